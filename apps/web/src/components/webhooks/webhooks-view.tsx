'use client';

import type { WebhookDeliveryDto, WebhookDto } from '@flightdeck/api';
import { NOTIFICATION_KINDS, type NotificationKind } from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  CopyIcon,
  LoaderCircleIcon,
  PlusIcon,
  SendIcon,
  Trash2Icon,
  WebhookIcon,
} from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { formatRelative } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useNow } from '@/client/use-now';
import { PageHeader } from '@/components/page-header';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select } from '@/components/ui/select';
import { Skeleton } from '@/components/ui/skeleton';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';

const KIND_LABELS: Record<NotificationKind, string> = {
  'approval.requested': 'requested',
  'approval.expiring': 'expiring',
  'approval.decided': 'decided',
  'approval.expired': 'expired',
  'breaker.opened': 'breaker tripped',
  'breaker.closed': 'breaker closed',
  'budget.warned': 'budget warned',
  'budget.exceeded': 'budget stop',
};

export function WebhooksView() {
  const trpc = useTRPC();
  const webhooks = useQuery(trpc.webhooks.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const teamName = (id: string | null) =>
    id === null ? 'all teams' : (teams.data?.find((t) => t.id === id)?.name ?? 'a team');

  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-5 p-6">
      <PageHeader
        title="Webhooks"
        description="Signed HTTP notifications when approvals are requested, expiring, decided or expired."
        actions={<NewWebhookDialog />}
      />
      <Card className="overflow-hidden">
        {webhooks.isPending ? (
          <div className="grid gap-2 p-4">
            {Array.from({ length: 2 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : webhooks.isError ? (
          <div className="p-8 text-center text-sm text-destructive">
            Could not load webhooks: {webhooks.error.message}
          </div>
        ) : webhooks.data.length === 0 ? (
          <div className="flex flex-col items-center gap-2 p-12 text-center text-sm text-muted-foreground">
            <WebhookIcon className="size-6" /> No webhooks yet.
          </div>
        ) : (
          <Table data-testid="webhooks-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead className="pl-4">Webhook</TableHead>
                <TableHead>Format</TableHead>
                <TableHead>Events</TableHead>
                <TableHead>Teams</TableHead>
                <TableHead>Secret</TableHead>
                <TableHead className="pr-4 text-right">Actions</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {webhooks.data.map((w) => (
                <WebhookRow key={w.id} webhook={w} team={teamName(w.teamId)} />
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      <Deliveries webhooks={webhooks.data ?? []} />
    </div>
  );
}

function WebhookRow({ webhook, team }: { webhook: WebhookDto; team: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries(trpc.webhooks.pathFilter());
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSettled: invalidate }));
  const test = useMutation(trpc.webhooks.test.mutationOptions({ onSettled: invalidate }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSettled: invalidate }));
  const error = update.error ?? test.error ?? remove.error;

  return (
    <TableRow data-testid="webhook-row" data-name={webhook.name}>
      <TableCell className="pl-4">
        <div className="font-medium">{webhook.name}</div>
        <div className="max-w-[420px] truncate font-mono text-[11px] text-muted-foreground">
          {webhook.url}
        </div>
        {error && <div className="text-xs text-destructive">{describeError(error).message}</div>}
      </TableCell>
      <TableCell>
        <Badge variant="outline">{webhook.format === 'slack' ? 'Slack' : 'JSON'}</Badge>
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap gap-1">
          {webhook.events.map((e) => (
            <Badge key={e} variant="muted">
              {KIND_LABELS[e]}
            </Badge>
          ))}
        </div>
      </TableCell>
      <TableCell className="text-muted-foreground">{team}</TableCell>
      <TableCell className="font-mono text-xs text-muted-foreground">
        {webhook.secretMasked}
      </TableCell>
      <TableCell className="pr-4">
        <div className="flex justify-end gap-1.5">
          <Button
            size="xs"
            variant={webhook.enabled ? 'secondary' : 'outline'}
            data-testid="webhook-toggle"
            aria-pressed={webhook.enabled}
            title={webhook.enabled ? 'Enabled: click to disable' : 'Disabled: click to enable'}
            disabled={update.isPending}
            onClick={() => update.mutate({ id: webhook.id, enabled: !webhook.enabled })}
          >
            {webhook.enabled ? 'Enabled' : 'Disabled'}
          </Button>
          <Button
            size="xs"
            variant="outline"
            data-testid="webhook-test"
            disabled={test.isPending}
            onClick={() => test.mutate({ id: webhook.id })}
          >
            {test.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SendIcon />} Test
          </Button>
          <Button
            size="xs"
            variant="ghost"
            aria-label={`Delete ${webhook.name}`}
            data-testid="webhook-delete"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the webhook "${webhook.name}" and its delivery history?`))
                remove.mutate({ id: webhook.id });
            }}
          >
            <Trash2Icon />
          </Button>
        </div>
      </TableCell>
    </TableRow>
  );
}

const STATUS_VARIANT = {
  delivered: 'secondary',
  pending: 'outline',
  failed: 'destructive',
} as const;

function Deliveries({ webhooks }: { webhooks: WebhookDto[] }) {
  const trpc = useTRPC();
  const now = useNow(5000);
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ limit: 50 }),
    refetchInterval: 3000,
  });
  const name = (id: string) => webhooks.find((w) => w.id === id)?.name ?? '—';
  return (
    <Card className="overflow-hidden">
      <div className="border-b px-4 py-3 text-sm font-medium">Recent deliveries</div>
      {deliveries.isPending ? (
        <Skeleton className="m-4 h-10" />
      ) : deliveries.isError ? (
        <div className="p-6 text-center text-sm text-destructive">
          Could not load deliveries: {deliveries.error.message}
        </div>
      ) : deliveries.data.length === 0 ? (
        <div className="p-8 text-center text-sm text-muted-foreground">Nothing sent yet.</div>
      ) : (
        <Table data-testid="deliveries-table">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="pl-4">Status</TableHead>
              <TableHead>Event</TableHead>
              <TableHead>Webhook</TableHead>
              <TableHead className="text-right">Attempts</TableHead>
              <TableHead>Response</TableHead>
              <TableHead className="pr-4 text-right">When</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {deliveries.data.map((d: WebhookDeliveryDto) => (
              <TableRow key={d.id} data-testid="delivery-row" data-status={d.status}>
                <TableCell className="pl-4">
                  <Badge variant={STATUS_VARIANT[d.status]}>{d.status}</Badge>
                </TableCell>
                <TableCell className="font-mono text-xs">
                  {d.kind}
                  {d.isTest && (
                    <Badge variant="muted" className="ml-1.5">
                      test
                    </Badge>
                  )}
                </TableCell>
                <TableCell>{name(d.webhookId)}</TableCell>
                <TableCell className="text-right tabular">{d.attempts}</TableCell>
                <TableCell
                  className="max-w-[360px] truncate text-xs text-muted-foreground"
                  title={d.lastError ?? undefined}
                >
                  {d.responseStatus !== null ? `HTTP ${d.responseStatus}` : ''}
                  {d.lastError && d.lastError !== `HTTP ${d.responseStatus}`
                    ? `${d.responseStatus !== null ? ' · ' : ''}${d.lastError}`
                    : ''}
                </TableCell>
                <TableCell className="pr-4 text-right text-muted-foreground tabular">
                  {now ? formatRelative(d.createdAt, now) : ''}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

function NewWebhookDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [teamId, setTeamId] = useState('');
  const [events, setEvents] = useState<NotificationKind[]>([...NOTIFICATION_KINDS]);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async (result) => {
        setSecret(result.secret);
        await queryClient.invalidateQueries(trpc.webhooks.pathFilter());
      },
    }),
  );
  const reset = () => {
    setName('');
    setUrl('');
    setFormat('json');
    setTeamId('');
    setEvents([...NOTIFICATION_KINDS]);
    setSecret(null);
    create.reset();
  };
  const error = create.error ? describeError(create.error) : null;

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="outline" data-testid="new-webhook">
          <PlusIcon /> Add webhook
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>{secret ? 'Webhook created' : 'Add webhook'}</DialogTitle>
          <DialogDescription>
            {secret
              ? 'Copy the signing secret now: it will not be shown again.'
              : 'Each request is signed with a secret generated for this webhook (X-Flightdeck-Signature).'}
          </DialogDescription>
        </DialogHeader>
        {secret ? (
          <div className="flex flex-col gap-3">
            <div className="flex items-center gap-2">
              <Input
                readOnly
                value={secret}
                className="font-mono text-xs"
                data-testid="webhook-secret"
              />
              <Button
                size="icon"
                variant="outline"
                aria-label="Copy secret"
                onClick={() => void navigator.clipboard?.writeText(secret)}
              >
                <CopyIcon />
              </Button>
            </div>
            <Button onClick={() => setOpen(false)}>Done</Button>
          </div>
        ) : (
          <form
            className="flex flex-col gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate({ name, url, format, events, teamId: teamId || null });
            }}
          >
            <div className="grid gap-1.5">
              <Label htmlFor="webhook-name">Name</Label>
              <Input
                id="webhook-name"
                value={name}
                maxLength={100}
                onChange={(e) => setName(e.target.value)}
                placeholder="On-call channel"
              />
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="webhook-url">URL</Label>
              <Input
                id="webhook-url"
                value={url}
                maxLength={2000}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://hooks.slack.com/services/…"
              />
            </div>
            <div className="grid grid-cols-2 gap-3">
              <div className="grid gap-1.5">
                <Label htmlFor="webhook-format">Format</Label>
                <Select
                  id="webhook-format"
                  value={format}
                  onChange={(e) => setFormat(e.target.value === 'slack' ? 'slack' : 'json')}
                >
                  <option value="json">JSON</option>
                  <option value="slack">Slack</option>
                </Select>
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor="webhook-team">Teams</Label>
                <Select
                  id="webhook-team"
                  value={teamId}
                  onChange={(e) => setTeamId(e.target.value)}
                >
                  <option value="">All teams</option>
                  {teams.data?.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </Select>
              </div>
            </div>
            <fieldset className="grid gap-1.5">
              <legend className="mb-1.5 text-sm font-medium">Events</legend>
              <div className="flex flex-wrap gap-3">
                {NOTIFICATION_KINDS.map((kind) => (
                  <label key={kind} className="flex items-center gap-1.5 text-sm">
                    <input
                      type="checkbox"
                      checked={events.includes(kind)}
                      onChange={(e) =>
                        setEvents((current) =>
                          e.target.checked ? [...current, kind] : current.filter((k) => k !== kind),
                        )
                      }
                    />
                    {KIND_LABELS[kind]}
                  </label>
                ))}
              </div>
            </fieldset>
            <FormError
              message={
                error
                  ? error.issues.length
                    ? error.issues.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ')
                    : error.message
                  : null
              }
            />
            <Button type="submit" disabled={create.isPending || !name.trim() || !url.trim()}>
              {create.isPending && <LoaderCircleIcon className="animate-spin" />} Create webhook
            </Button>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
