'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '@/client/trpc';
import { useLiveCosts } from '@/client/use-live-costs';
import { PageHeader } from '@/components/page-header';
import { Select } from '@/components/ui/select';
import { cn } from '@/lib/utils';
import { CHART_PALETTE_CLASSES } from './chart-theme';
import { CostByAgentChart, SpendOverTimeChart, TokensByModelChart } from './cost-charts';
import { CostKpis } from './cost-kpis';
import { TopRunsTable } from './top-runs-table';

export const RANGES = [
  { value: '24h', label: '24h', long: 'last 24 hours' },
  { value: '7d', label: '7d', long: 'last 7 days' },
  { value: '30d', label: '30d', long: 'last 30 days' },
] as const;
export type Range = (typeof RANGES)[number]['value'];

/** Polling keeps totals moving between socket updates (and without a socket). */
const REFETCH_MS = 5_000;

export function CostsView() {
  const trpc = useTRPC();
  const [range, setRange] = useState<Range>('24h');
  const [team, setTeam] = useState<string>('');
  const input = { range, teamSlug: team || undefined };
  const live = { refetchInterval: REFETCH_MS, placeholderData: <T,>(previous: T) => previous };

  const teams = useQuery(trpc.teams.list.queryOptions());
  const summary = useQuery({ ...trpc.costs.summary.queryOptions(input), ...live });
  const series = useQuery({ ...trpc.costs.timeseries.queryOptions(input), ...live });
  const byModel = useQuery({ ...trpc.costs.byModel.queryOptions(input), ...live });
  const byAgent = useQuery({
    ...trpc.costs.byAgent.queryOptions({ ...input, limit: 10 }),
    ...live,
  });
  const topRuns = useQuery({
    ...trpc.costs.topRuns.queryOptions({ ...input, limit: 10 }),
    ...live,
  });
  useLiveCosts();

  const rangeLabel = RANGES.find((r) => r.value === range)?.long ?? range;
  const error = [summary, series, byModel, byAgent, topRuns].find((q) => q.isError)?.error;

  return (
    <div
      className={cn('mx-auto flex max-w-[1600px] flex-col gap-5 p-6', CHART_PALETTE_CLASSES)}
      data-testid="costs-page"
    >
      <PageHeader
        title="Costs"
        description={
          <>
            LLM spend across the fleet, from every finished model call, priced with the{' '}
            <Link
              href="/settings/prices"
              className="underline underline-offset-2"
              data-testid="costs-prices-link"
            >
              price table
            </Link>{' '}
            of its time. Updates live.
          </>
        }
        actions={
          <>
            <Select
              aria-label="Team"
              data-testid="costs-team-filter"
              className="w-44"
              value={team}
              onChange={(e) => setTeam(e.target.value)}
            >
              <option value="">All teams</option>
              {teams.data?.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </Select>
            <div
              className="flex h-9 items-center rounded-md border p-0.5"
              role="tablist"
              aria-label="Time range"
            >
              {RANGES.map((r) => (
                <button
                  key={r.value}
                  role="tab"
                  aria-selected={range === r.value}
                  data-testid={`costs-range-${r.value}`}
                  onClick={() => setRange(r.value)}
                  className={cn(
                    'h-full rounded px-3 text-[13px] transition-colors',
                    range === r.value
                      ? 'bg-secondary font-medium text-foreground'
                      : 'text-muted-foreground hover:text-foreground',
                  )}
                >
                  {r.label}
                </button>
              ))}
            </div>
          </>
        }
      />
      {error && (
        <div className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-2 text-sm text-destructive">
          Could not load costs: {error.message}
        </div>
      )}
      <CostKpis summary={summary.data} rangeLabel={rangeLabel} />
      <SpendOverTimeChart
        data={series.data}
        rangeLabel={rangeLabel}
        total={summary.data?.range.costMicroUsd}
      />
      <div className="grid gap-5 xl:grid-cols-2">
        <TokensByModelChart data={byModel.data} />
        <CostByAgentChart data={byAgent.data} />
      </div>
      <TopRunsTable runs={topRuns.data} rangeLabel={rangeLabel} />
    </div>
  );
}
