'use client';

import type { AuditEntryDto, AuditVerificationDto } from '@flightdeck/api';
import {
  AUDIT_ACTION_KINDS,
  type AuditAction,
  type AuditActionKind,
  auditActionsOf,
} from '@flightdeck/domain';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import {
  CircleCheckIcon,
  LoaderCircleIcon,
  ScrollTextIcon,
  ShieldCheckIcon,
  TriangleAlertIcon,
} from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { formatCount, formatDateTime, truncate } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { PageHeader } from '@/components/page-header';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
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
import { describeAuditEntry } from './describe-entry';

const PAGE = 50;
const KINDS = Object.entries(AUDIT_ACTION_KINDS) as [AuditActionKind, string][];

/** The filter's value: '' (everything), 'kind:<kind>' or one action. */
type Filter = '' | `kind:${AuditActionKind}` | AuditAction;

function filterInput(filter: Filter): { action?: AuditAction; kind?: AuditActionKind } {
  if (!filter) return {};
  if (filter.startsWith('kind:')) return { kind: filter.slice(5) as AuditActionKind };
  return { action: filter as AuditAction };
}

/** The audit trail (admins): every governance act, newest first, and a check of the whole chain. */
export function AuditView() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<Filter>('');
  const [actorId, setActorId] = useState('');
  // Cursors of the pages before this one, newest first; the last is this page's.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const beforeSeq = cursors.at(-1);
  const entries = useQuery({
    ...trpc.audit.list.queryOptions({
      limit: PAGE,
      beforeSeq,
      ...filterInput(filter),
      actorId: actorId.trim() || undefined,
    }),
    placeholderData: keepPreviousData,
  });
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  const refilter = (change: () => void) => {
    change();
    setCursors([undefined]);
  };

  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-5 p-6">
      <PageHeader
        title="Audit trail"
        description="Every governance act, written with the act itself into an append-only hash chain."
        actions={
          <Button
            data-testid="audit-verify"
            onClick={() => verify.mutate()}
            disabled={verify.isPending}
          >
            {verify.isPending ? <LoaderCircleIcon className="animate-spin" /> : <ShieldCheckIcon />}
            Verify chain
          </Button>
        }
      />
      {verify.data && <VerificationBanner result={verify.data} />}
      {verify.error && (
        <div role="alert" className="text-sm text-destructive">
          Could not verify: {describeError(verify.error).message}
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <Select
          aria-label="Action"
          data-testid="audit-action-filter"
          className="w-72"
          value={filter}
          onChange={(e) => refilter(() => setFilter(e.target.value as Filter))}
        >
          <option value="">All actions</option>
          {KINDS.map(([kind, label]) => (
            <optgroup key={kind} label={label}>
              <option value={`kind:${kind}`}>All: {label.toLowerCase()}</option>
              {auditActionsOf(kind).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          ))}
        </Select>
        <Input
          aria-label="Actor"
          placeholder="Actor id"
          className="w-56"
          value={actorId}
          onChange={(e) => refilter(() => setActorId(e.target.value))}
        />
      </div>
      <Card className="overflow-hidden">
        {entries.isPending ? (
          <div className="grid gap-2 p-4">
            {Array.from({ length: 4 }, (_, i) => (
              <Skeleton key={i} className="h-9" />
            ))}
          </div>
        ) : entries.isError ? (
          <div className="p-8 text-center text-sm text-destructive">
            Could not load the audit trail: {describeError(entries.error).message}
          </div>
        ) : entries.data.entries.length === 0 ? (
          <div className="flex flex-col items-center gap-2 p-12 text-center text-sm text-muted-foreground">
            <ScrollTextIcon className="size-6" /> No audit entries.
          </div>
        ) : (
          <AuditTable entries={entries.data.entries} />
        )}
      </Card>
      <div className="flex items-center justify-end gap-2">
        <Button
          variant="outline"
          size="sm"
          disabled={cursors.length < 2}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Newer
        </Button>
        <Button
          variant="outline"
          size="sm"
          data-testid="audit-older"
          disabled={!entries.data?.nextBeforeSeq}
          onClick={() => {
            const next = entries.data?.nextBeforeSeq;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          Older
        </Button>
      </div>
    </div>
  );
}

function VerificationBanner({ result }: { result: AuditVerificationDto }) {
  const seconds = (result.durationMs / 1000).toFixed(2);
  return result.ok ? (
    <div
      data-testid="audit-verification"
      data-ok="true"
      className="flex items-center gap-2 rounded-md border border-emerald-500/40 bg-emerald-500/5 px-3 py-2 text-sm"
    >
      <CircleCheckIcon className="size-4 text-emerald-600" />
      <span>
        Chain intact: {formatCount(result.entries)} entries verified in {seconds} s,{' '}
        {formatCount(result.checkpointsChecked)} checkpoint(s) matched.
      </span>
    </div>
  ) : (
    <div
      role="alert"
      data-testid="audit-verification"
      data-ok="false"
      className="flex items-center gap-2 rounded-md border border-destructive/40 bg-destructive/5 px-3 py-2 text-sm text-destructive"
    >
      <TriangleAlertIcon className="size-4" />
      <span>
        Chain broken at entry <strong className="font-mono">#{result.firstBad.seq}</strong> (
        {result.firstBad.reason}): {result.firstBad.message}. {formatCount(result.entries)} entries
        before it are intact.
      </span>
    </div>
  );
}

function AuditTable({ entries }: { entries: AuditEntryDto[] }) {
  return (
    <Table data-testid="audit-table">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="pl-4 text-right">#</TableHead>
          <TableHead>When</TableHead>
          <TableHead>Actor</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Target</TableHead>
          <TableHead>Detail</TableHead>
          <TableHead className="pr-4">Hash</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {entries.map((entry) => {
          const detail = JSON.stringify(entry.detail);
          const summary = describeAuditEntry(entry);
          return (
            <TableRow key={entry.seq} data-testid="audit-row" data-seq={entry.seq}>
              <TableCell className="pl-4 text-right font-mono text-xs tabular">
                {entry.seq}
              </TableCell>
              <TableCell className="text-muted-foreground tabular">
                {formatDateTime(entry.at)}
              </TableCell>
              <TableCell className="max-w-[260px] truncate" title={entry.actor.id}>
                {entry.actor.id}{' '}
                <span className="text-xs text-muted-foreground">{entry.actor.kind}</span>
              </TableCell>
              <TableCell className="font-mono text-xs">{entry.action}</TableCell>
              <TableCell className="font-mono text-[11px] text-muted-foreground">
                {Object.entries(entry.target).map(([key, id]) => (
                  <div key={key}>
                    {key.replace(/Id$/, '')} {truncate(id, 13)}
                  </div>
                ))}
              </TableCell>
              {summary ? (
                <TableCell
                  className="max-w-[360px] truncate text-xs"
                  title={detail}
                  data-testid="audit-summary"
                >
                  {summary}
                </TableCell>
              ) : (
                <TableCell
                  className="max-w-[360px] truncate font-mono text-[11px] text-muted-foreground"
                  title={detail}
                >
                  {detail === '{}' ? '—' : detail}
                </TableCell>
              )}
              <TableCell
                className="pr-4 font-mono text-[11px] text-muted-foreground"
                title={entry.hash}
              >
                {entry.hash.slice(0, 12)}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
