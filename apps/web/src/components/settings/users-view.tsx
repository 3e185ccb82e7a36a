'use client';

import type { Role } from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, MailPlusIcon, Trash2Icon } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { describeError } from '@/client/errors';
import { useSession } from '@/client/session';
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

function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [access, setAccess] = useState<AccessValue>({ roles: ['viewer'], teams: 'all' });
  const [link, setLink] = useState<string | null>(null);
  const invite = useMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: async ({ token }) => {
        setLink(`${window.location.origin}/invite?token=${token}`);
        setEmail('');
        await queryClient.invalidateQueries(trpc.users.invitations.queryFilter());
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLink(null);
    invite.mutate({ email, roles: access.roles, teams: access.teams });
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>Invite someone</CardTitle>
      </CardHeader>
      <form onSubmit={submit} className="grid gap-4 p-4" data-testid="invite-form">
        <div className="grid gap-1.5">
          <Label htmlFor="invite-email">Email</Label>
          <Input
            id="invite-email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <AccessFields value={access} onChange={setAccess} idPrefix="invite" />
        <FormError message={invite.error ? describeError(invite.error).message : null} />
        <div className="flex items-center gap-3">
          <Button type="submit" size="sm" disabled={invite.isPending} data-testid="invite-submit">
            {invite.isPending ? <LoaderCircleIcon className="animate-spin" /> : <MailPlusIcon />}{' '}
            Create invitation link
          </Button>
          <span className="text-xs text-muted-foreground">
            No email is sent (SMTP is not configured): give the link to the person yourself. It
            works once, for 7 days.
          </span>
        </div>
        {link && (
          <CopySecret value={link} label="Invitation link (shown once)" testId="invite-link" />
        )}
      </form>
    </Card>
  );
}

function UserRow({
  user,
  isSelf,
}: {
  user: {
    id: string;
    name: string;
    email: string;
    roles: string[];
    teams: 'all' | string[];
    deactivatedAt: string | null;
  };
  isSelf: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [access, setAccess] = useState<AccessValue>({
    roles: user.roles as Role[],
    teams: user.teams,
  });
  const refresh = () => queryClient.invalidateQueries(trpc.users.list.queryFilter());
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: async () => {
        setEditing(false);
        await refresh();
      },
    }),
  );
  const remove = useMutation(trpc.users.remove.mutationOptions({ onSuccess: refresh }));
  const deactivate = useMutation(trpc.users.deactivate.mutationOptions({ onSuccess: refresh }));
  const reactivate = useMutation(trpc.users.reactivate.mutationOptions({ onSuccess: refresh }));
  const error = update.error ?? remove.error ?? deactivate.error ?? reactivate.error;
  const inactive = user.deactivatedAt !== null;
  return (
    <TableRow
      data-testid={`user-${user.email}`}
      data-active={inactive ? 'false' : 'true'}
      className={inactive ? 'opacity-70' : undefined}
    >
      <TableCell>
        <div className="font-medium">
          {user.name}{' '}
          {user.deactivatedAt && (
            <Badge
              variant="outline"
              className="ml-1 text-muted-foreground"
              title={`Deactivated ${new Date(user.deactivatedAt).toLocaleString()}`}
            >
              deactivated
            </Badge>
          )}
        </div>
        <div className="text-xs text-muted-foreground">{user.email}</div>
      </TableCell>
      <TableCell>
        {editing ? (
          <div className="grid gap-2 py-2">
            <AccessFields value={access} onChange={setAccess} idPrefix={`edit-${user.id}`} />
            <div className="flex gap-2">
              <Button
                size="xs"
                onClick={() => update.mutate({ userId: user.id, ...access })}
                disabled={update.isPending}
              >
                Save
              </Button>
              <Button size="xs" variant="ghost" onClick={() => setEditing(false)}>
                Cancel
              </Button>
            </div>
          </div>
        ) : (
          <div className="flex flex-wrap gap-1">
            {user.roles.map((role) => (
              <Badge key={role} variant="secondary">
                {role}
              </Badge>
            ))}
          </div>
        )}
        <FormError message={error ? describeError(error).message : null} />
      </TableCell>
      <TableCell className="text-sm">
        <TeamsLabel teams={user.teams} />
      </TableCell>
      <TableCell className="text-right">
        {!editing && (
          <Button size="xs" variant="outline" onClick={() => setEditing(true)}>
            Change access
          </Button>
        )}{' '}
        {!isSelf &&
          (inactive ? (
            <Button
              size="xs"
              variant="outline"
              data-testid="user-reactivate"
              disabled={reactivate.isPending}
              onClick={() => reactivate.mutate({ userId: user.id })}
            >
              Reactivate
            </Button>
          ) : (
            <Button
              size="xs"
              variant="outline"
              data-testid="user-deactivate"
              disabled={deactivate.isPending}
              onClick={() => {
                if (
                  window.confirm(
                    `Deactivate ${user.email}? They are signed out at once and their API tokens stop working until you reactivate them.`,
                  )
                )
                  deactivate.mutate({ userId: user.id });
              }}
            >
              Deactivate
            </Button>
          ))}{' '}
        {!isSelf && (
          <Button
            size="xs"
            variant="ghost"
            aria-label={`Remove ${user.email}`}
            onClick={() => {
              if (
                window.confirm(`Remove ${user.email}? Their sessions and API tokens stop at once.`)
              )
                remove.mutate({ userId: user.id });
            }}
          >
            <Trash2Icon />
          </Button>
        )}
      </TableCell>
    </TableRow>
  );
}

export function UsersView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useSession().data;
  const users = useQuery(trpc.users.list.queryOptions());
  const invitations = useQuery(trpc.users.invitations.queryOptions());
  const revoke = useMutation(
    trpc.users.revokeInvite.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.users.invitations.queryFilter()),
    }),
  );
  return (
    <div className="mx-auto grid max-w-5xl gap-6 p-6">
      <PageHeader
        title="Users"
        description="Who can sign in, with which roles, on which teams. Changes apply to their next request."
      />
      {users.error && <FormError message={describeError(users.error).message} />}
      <InviteForm />
      <Card>
        <CardHeader>
          <CardTitle>People</CardTitle>
        </CardHeader>
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Person</TableHead>
              <TableHead>Roles</TableHead>
              <TableHead>Teams</TableHead>
              <TableHead />
            </TableRow>
          </TableHeader>
          <TableBody>
            {(users.data ?? []).map((user) => (
              <UserRow key={user.id} user={user} isSelf={me?.actor.id === user.email} />
            ))}
          </TableBody>
        </Table>
      </Card>
      {(invitations.data?.length ?? 0) > 0 && (
        <Card>
          <CardHeader>
            <CardTitle>Pending invitations</CardTitle>
          </CardHeader>
          <Table>
            <TableBody>
              {(invitations.data ?? []).map((i) => (
                <TableRow key={i.id} data-testid={`invitation-${i.email}`}>
                  <TableCell>{i.email}</TableCell>
                  <TableCell>{i.roles.join(', ')}</TableCell>
                  <TableCell className="text-xs text-muted-foreground">
                    expires {new Date(i.expiresAt).toLocaleString()}
                  </TableCell>
                  <TableCell className="text-right">
                    <Button size="xs" variant="ghost" onClick={() => revoke.mutate({ id: i.id })}>
                      Revoke
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      )}
    </div>
  );
}
