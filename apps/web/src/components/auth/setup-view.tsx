'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Skeleton } from '@/components/ui/skeleton';
import { AuthCard } from './auth-card';
import { NewAccountForm } from './new-account-form';

const TOKEN = /^fds_[A-Za-z0-9_-]{43}$/;

export function SetupView({ token }: { token: string }) {
  const trpc = useTRPC();
  const wellFormed = TOKEN.test(token);
  const status = useQuery({
    ...trpc.account.setupStatus.queryOptions({ token }),
    enabled: wellFormed,
  });
  const setup = useMutation(trpc.account.setup.mutationOptions());

  if (wellFormed && status.isPending) return <Skeleton className="h-80 w-full" />;
  if (!wellFormed || !status.data?.valid)
    return (
      <AuthCard title="This setup link does not work">
        <p className="text-sm text-muted-foreground" data-testid="setup-invalid">
          It was used, has expired, or an admin exists already. Sign in instead; if nobody can,
          restart the web server while no admin exists and open the new link it prints.
        </p>
      </AuthCard>
    );
  return (
    <AuthCard
      title="Create the first admin"
      description="This one-time link was printed by the server. The admin holds every role on every team and invites everyone else."
    >
      <NewAccountForm
        submitLabel="Create admin"
        create={async (account) => {
          try {
            await setup.mutateAsync({ token, ...account });
            return null;
          } catch (error) {
            return describeError(error).message;
          }
        }}
      />
    </AuthCard>
  );
}
