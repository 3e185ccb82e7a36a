'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRoundIcon, LoaderCircleIcon } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { PageHeader } from '@/components/page-header';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, CardTitle } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';
import { AccessFields, type AccessValue, TeamsLabel } from './access-fields';
import { CopySecret } from './copy-secret';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function TokensView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [access, setAccess] = useState<AccessValue>({ roles: ['viewer'], teams: 'all' });
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (created) => {
        setSecret(created.secret);
        setName('');
        await refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    create.mutate({
      name,
      roles: access.roles,
      teams: access.teams,
      expiresInDays: days ? Number(days) : undefined,
    });
  };
  const origin = typeof window === 'undefined' ? '' : window.location.origin;

  return (
    <div className="mx-auto grid max-w-5xl gap-6 p-6">
      <PageHeader
        title="API tokens"
        description="For scripts: send Authorization: Bearer <token>. Stored only as a hash; a revoked token is refused from the next request on."
      />
      {tokens.error && <FormError message={describeError(tokens.error).message} />}
      <Card>
        <CardHeader>
          <CardTitle>New token</CardTitle>
        </CardHeader>
        <form onSubmit={submit} className="grid gap-4 p-4" data-testid="token-form">
          <div className="grid gap-4 sm:grid-cols-2">
            <div className="grid gap-1.5">
              <Label htmlFor="token-name">Name</Label>
              <Input
                id="token-name"
                required
                maxLength={100}
                value={name}
                placeholder="nightly report"
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="token-days">Expires after (days, empty for never)</Label>
              <Input
                id="token-days"
                type="number"
                min={1}
                max={365}
                value={days}
                onChange={(e) => setDays(e.target.value)}
              />
            </div>
          </div>
          <AccessFields value={access} onChange={setAccess} idPrefix="token" />
          <FormError message={create.error ? describeError(create.error).message : null} />
          <div>
            <Button type="submit" size="sm" disabled={create.isPending} data-testid="token-submit">
              {create.isPending ? <LoaderCircleIcon className="animate-spin" /> : <KeyRoundIcon />}{' '}
              Create token
            </Button>
          </div>
          {secret && (
            <>
              <CopySecret
                value={secret}
                label="The token (shown once: copy it now)"
                testId="token-secret"
              />
              <pre className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs">
                {`curl -H "Authorization: Bearer ${secret}" \\\n  '${origin}/api/trpc/runs.list?input=%7B%7D'`}
              </pre>
            </>
          )}
        </form>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Tokens</CardTitle>
        </CardHeader>
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Roles</TableHead>
              <TableHead>Teams</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead />
            </TableRow>
          </TableHeader>
          <TableBody>
            {(tokens.data ?? []).map((t) => (
              <TableRow key={t.id} data-testid={`token-${t.name}`}>
                <TableCell className="font-medium">{t.name}</TableCell>
                <TableCell>
                  <div className="flex flex-wrap gap-1">
                    {t.roles.map((r) => (
                      <Badge key={r} variant="secondary">
                        {r}
                      </Badge>
                    ))}
                  </div>
                </TableCell>
                <TableCell className="text-sm">
                  <TeamsLabel teams={t.teams} />
                </TableCell>
                <TableCell className="text-xs">{when(t.lastUsedAt)}</TableCell>
                <TableCell className="text-xs">{when(t.expiresAt)}</TableCell>
                <TableCell className="text-right">
                  {t.revokedAt ? (
                    <Badge variant="muted">revoked</Badge>
                  ) : (
                    <Button size="xs" variant="outline" onClick={() => revoke.mutate({ id: t.id })}>
                      Revoke
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Card>
    </div>
  );
}
