'use client';

import type { RunSummary } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import { GitForkIcon, RepeatIcon, UploadIcon } from 'lucide-react';
import Link from 'next/link';
import { shortId } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { RunStatusBadge } from '@/components/status';

/** Where this run came from (a fork's origin and step, a re-run's recorded run) and the runs that came from it. */
export function RunLineage({ runId, summary }: { runId: string; summary: RunSummary | undefined }) {
  const trpc = useTRPC();
  const descendants = useQuery(
    trpc.runs.forks.queryOptions({ runId }, { refetchInterval: 10_000 }),
  );
  const children = descendants.data ?? [];
  if (!summary?.originRunId && children.length === 0) return null;
  return (
    <div
      className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-muted-foreground"
      data-testid="run-lineage"
    >
      {summary?.originRunId && summary.origin === 'import' && (
        <span className="inline-flex items-center gap-1" data-testid="run-origin">
          <UploadIcon className="size-3.5" /> Imported from an export of run{' '}
          <span className="font-mono">{shortId(summary.originRunId)}</span>
        </span>
      )}
      {summary?.originRunId && summary.origin !== 'import' && (
        <span className="inline-flex items-center gap-1" data-testid="run-origin">
          {summary.origin === 'rerun' ? (
            <RepeatIcon className="size-3.5" />
          ) : (
            <GitForkIcon className="size-3.5" />
          )}
          {summary.origin === 'rerun' ? 'Re-run of' : 'Forked from'}{' '}
          <Link
            href={`/runs/${summary.originRunId}${summary.originSeq ? `?at=${summary.originSeq}` : ''}`}
            className="font-mono text-primary hover:underline"
            data-testid="run-origin-link"
          >
            {shortId(summary.originRunId)}
          </Link>
          {summary.originSeq ? ` at step ${summary.originSeq}` : ''}
        </span>
      )}
      {children.length > 0 && (
        <span className="inline-flex flex-wrap items-center gap-1.5" data-testid="run-forks">
          <GitForkIcon className="size-3.5" />
          {children.length} {children.length === 1 ? 'run comes' : 'runs come'} from this one:
          {children.map((child) => (
            <Link
              key={child.id}
              href={`/runs/${child.id}`}
              className="inline-flex items-center gap-1 rounded border bg-background px-1.5 py-0.5 hover:bg-muted"
              data-testid="run-fork-link"
              data-run-id={child.id}
            >
              <span className="font-mono text-foreground">{shortId(child.id)}</span>
              <span>{child.origin === 'rerun' ? 're-run' : `step ${child.originSeq ?? '?'}`}</span>
              <RunStatusBadge status={child.status} />
            </Link>
          ))}
        </span>
      )}
    </div>
  );
}
