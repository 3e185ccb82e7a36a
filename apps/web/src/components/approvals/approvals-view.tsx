'use client';

import { useQuery } from '@tanstack/react-query';
import { InboxIcon } from 'lucide-react';
import { useState } from 'react';
import { useTRPC } from '@/client/trpc';
import { PageHeader } from '@/components/page-header';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';
import { ApprovalCard } from './approval-card';

type Tab = 'pending' | 'decided';

/** The inbox across all runs (live), and the history of who decided what, when and why. */
export function ApprovalsView() {
  const [tab, setTab] = useState<Tab>('pending');
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-5 p-6" data-testid="approvals-page">
      <PageHeader
        title="Approvals"
        description="Calls the gate held for a person: each decision binds the exact call shown."
      />
      <div
        role="tablist"
        aria-label="Approvals"
        className="inline-flex w-fit rounded-md bg-muted p-0.5"
      >
        {(
          [
            ['pending', 'Waiting'],
            ['decided', 'History'],
          ] as const
        ).map(([value, label]) => (
          <button
            key={value}
            role="tab"
            aria-selected={tab === value}
            className={cn(
              'rounded px-3 py-1 text-sm text-muted-foreground',
              tab === value && 'bg-background text-foreground shadow-xs',
            )}
            onClick={() => setTab(value)}
            data-testid={`approvals-tab-${value}`}
          >
            {label}
          </button>
        ))}
      </div>
      <ApprovalList state={tab} />
    </div>
  );
}

/** Approvals in one state, across runs or of one run. */
export function ApprovalList({ state, runId }: { state: Tab; runId?: string }) {
  const trpc = useTRPC();
  const approvals = useQuery(
    trpc.approvals.list.queryOptions({ state, runId, limit: 100 }, { refetchInterval: 15_000 }),
  );
  if (approvals.isPending)
    return (
      <div className="flex flex-col gap-3">
        <Skeleton className="h-40" />
        <Skeleton className="h-40" />
      </div>
    );
  if (approvals.error) return <p className="text-sm text-destructive">{approvals.error.message}</p>;
  if (approvals.data.length === 0)
    return (
      <div
        className="flex flex-col items-center gap-2 rounded-lg border border-dashed p-10 text-sm text-muted-foreground"
        data-testid={`approvals-empty-${state}`}
      >
        <InboxIcon className="size-5" />
        {state === 'pending' ? 'Nothing waits for a decision.' : 'No decisions yet.'}
      </div>
    );
  return (
    <div className="flex flex-col gap-3" data-testid={`approvals-list-${state}`}>
      {approvals.data.map((a) => (
        <ApprovalCard key={a.id} approval={a} showRun={!runId} />
      ))}
    </div>
  );
}
