'use client';

import type { RunSummary } from '@flightdeck/domain';
import { useQuery } from '@tanstack/react-query';
import {
  ActivityIcon,
  BotIcon,
  CoinsIcon,
  FlameIcon,
  ShieldAlertIcon,
  ShieldQuestionIcon,
} from 'lucide-react';
import Link from 'next/link';
import { formatCount, formatUsd } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useLiveCosts } from '@/client/use-live-costs';
import { isActiveRun } from '@/components/status';
import { Kpi } from '@/components/ui/kpi';
import { Skeleton } from '@/components/ui/skeleton';

/** Spend between fleet updates (and without a socket). */
const REFETCH_MS = 10_000;

/**
 * The fleet at a glance: what runs and works now, what waits for a person,
 * what a breaker holds, and what it costs today. Runs come from the page's (filtered) list; pending
 * approvals and spend are fleet-wide, live.
 */
export function KpiCards({ runs }: { runs: readonly RunSummary[] | undefined }) {
  const trpc = useTRPC();
  // Same query as the navigation's count, which keeps it live.
  const pending = useQuery(
    trpc.approvals.pendingCount.queryOptions(undefined, { refetchInterval: 30_000 }),
  );
  const costs = useQuery(
    trpc.costs.summary.queryOptions({ range: '24h' }, { refetchInterval: REFETCH_MS }),
  );
  useLiveCosts();

  if (!runs) {
    return (
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-[92px] rounded-lg" />
        ))}
      </div>
    );
  }
  const active = runs.filter((r) => isActiveRun(r.status));
  const paused = runs.filter((r) => r.status === 'paused').length;
  const agentsActive = active.reduce((n, r) => n + r.agentCount, 0);
  const failed = runs.filter((r) => r.status === 'failed').length;
  const today = costs.data?.today;
  const waiting = pending.data?.pending;
  // Breakers of runs still going: an ended run's breakers hold nothing any more.
  const tripped = active.filter((r) => r.openBreakers.length > 0);
  const openBreakers = tripped.reduce((n, r) => n + r.openBreakers.length, 0);
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6">
      <Kpi
        testId="kpi-active-runs"
        label="Active runs"
        icon={ActivityIcon}
        value={formatCount(active.length)}
        hint={`${paused} paused · ${failed} failed · ${formatCount(runs.length)} listed`}
      />
      <Kpi
        testId="kpi-agents"
        label="Agents in active runs"
        icon={BotIcon}
        value={formatCount(agentsActive)}
        hint={`${formatCount(runs.reduce((n, r) => n + r.agentCount, 0))} spawned across listed runs`}
      />
      <Kpi
        testId="kpi-approvals"
        label="Waiting for a person"
        icon={ShieldQuestionIcon}
        value={waiting === undefined ? '—' : formatCount(waiting)}
        hint={
          <Link href="/approvals" className="underline-offset-2 hover:underline">
            {waiting ? 'Open the approvals inbox' : 'No approvals pending'}
          </Link>
        }
      />
      <Kpi
        testId="kpi-breakers"
        label="Open breakers"
        icon={ShieldAlertIcon}
        value={
          <span className={openBreakers ? 'text-status-failed' : undefined}>
            {formatCount(openBreakers)}
          </span>
        }
        hint={
          tripped.length
            ? `${tripped.length} run${tripped.length === 1 ? '' : 's'} held by a breaker`
            : 'no breaker tripped'
        }
      />
      <Kpi
        testId="kpi-spend-today"
        label="Spend today (UTC)"
        icon={CoinsIcon}
        value={today ? formatUsd(today.costMicroUsd) : '—'}
        hint={today ? `${formatCount(today.calls)} model calls` : 'loading…'}
      />
      <Kpi
        testId="kpi-burn-rate"
        label="Burn rate"
        icon={FlameIcon}
        value={costs.data ? `${formatUsd(costs.data.burnRateMicroUsdPerHour)}/h` : '—'}
        hint="over the last 60 minutes"
      />
    </div>
  );
}
