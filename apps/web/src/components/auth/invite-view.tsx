'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Badge } from '@/components/ui/badge';
import { Skeleton } from '@/components/ui/skeleton';
import { AuthCard } from './auth-card';
import { NewAccountForm } from './new-account-form';

const TOKEN = /^fdi_[A-Za-z0-9_-]{43}$/;

export function InviteView({ token }: { token: string }) {
  const trpc = useTRPC();
  const wellFormed = TOKEN.test(token);
  const invitation = useQuery({
    ...trpc.account.invitation.queryOptions({ token }),
    enabled: wellFormed,
  });
  const accept = useMutation(trpc.account.acceptInvite.mutationOptions());

  if (wellFormed && invitation.isPending) return <Skeleton className="h-80 w-full" />;
  const data = invitation.data;
  if (!wellFormed || !data)
    return (
      <AuthCard title="This invitation does not work">
        <p className="text-sm text-muted-foreground" data-testid="invite-invalid">
          It was used, revoked or has expired. Ask an admin for a new one.
        </p>
      </AuthCard>
    );
  return (
    <AuthCard title="Join Flightdeck" description={`You are invited as ${data.email}.`}>
      <NewAccountForm
        fixedEmail={data.email}
        submitLabel="Create account"
        create={async ({ name, password }) => {
          try {
            await accept.mutateAsync({ token, name, password });
            return null;
          } catch (error) {
            return describeError(error).message;
          }
        }}
      >
        <div className="flex flex-wrap items-center gap-1.5 text-sm text-muted-foreground">
          Roles:
          {data.roles.map((role) => (
            <Badge key={role} variant="secondary">
              {role}
            </Badge>
          ))}
        </div>
      </NewAccountForm>
    </AuthCard>
  );
}
