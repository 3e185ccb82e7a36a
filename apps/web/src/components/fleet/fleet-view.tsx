'use client';

import { IfCan } from '@/components/if-can';
import type { RunStatus, RunSummary } from '@flightdeck/domain';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RocketIcon } from 'lucide-react';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTRPC } from '@/client/trpc';
import { upsertRun, useFleetLive } from '@/client/use-fleet-live';
import { PageHeader } from '@/components/page-header';
import { isActiveRun } from '@/components/status';
import { Card } from '@/components/ui/card';
import { Select } from '@/components/ui/select';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';
import { KpiCards } from './kpi-cards';
import { ImportRunButton } from '@/components/run/replay/record-actions';
import { LaunchRunDialog } from './launch-run-dialog';
import { RunsTable } from './runs-table';

const LIMIT = 200;
type Filter = 'all' | 'active' | RunStatus;

/** How far back the fleet looks: runs created within the last hour, day, week, or any time. */
const WINDOWS = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: 'all', label: 'Any time', ms: null },
] as const;
type Window = (typeof WINDOWS)[number]['value'];

const FILTERS: Array<{ value: Filter; label: string; match: (s: RunStatus) => boolean }> = [
  { value: 'all', label: 'All', match: () => true },
  { value: 'active', label: 'Active', match: isActiveRun },
  { value: 'paused', label: 'Paused', match: (s) => s === 'paused' },
  { value: 'completed', label: 'Completed', match: (s) => s === 'completed' },
  { value: 'failed', label: 'Failed', match: (s) => s === 'failed' },
  { value: 'killed', label: 'Killed', match: (s) => s === 'killed' },
];

/** Filters live in the URL (`?status=&team=&window=`), so a filtered fleet can be shared. */
function useFleetFilters() {
  const params = useSearchParams();
  const [filter, setFilter] = useState<Filter>(() => {
    const status = params.get('status');
    return FILTERS.some((f) => f.value === status) ? (status as Filter) : 'all';
  });
  const [team, setTeam] = useState(() => params.get('team') ?? '');
  const [window, setWindow] = useState<Window>(() => {
    const value = params.get('window');
    return WINDOWS.some((w) => w.value === value) ? (value as Window) : 'all';
  });
  useEffect(() => {
    const url = new URL(globalThis.location.href);
    const set = (key: string, value: string, unset: string) =>
      value === unset ? url.searchParams.delete(key) : url.searchParams.set(key, value);
    set('status', filter, 'all');
    set('team', team, '');
    set('window', window, 'all');
    if (url.href !== globalThis.location.href)
      globalThis.history.replaceState(globalThis.history.state, '', url);
  }, [filter, team, window]);
  return { filter, setFilter, team, setTeam, window, setWindow };
}

export function FleetView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { filter, setFilter, team, setTeam, window, setWindow } = useFleetFilters();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const teamId = teams.data?.find((t) => t.slug === team)?.id;
  // The window's start is fixed when it is chosen: runs created since then arrive live.
  const since = useMemo(() => {
    const ms = WINDOWS.find((w) => w.value === window)?.ms;
    return ms ? new Date(Date.now() - ms).toISOString() : undefined;
  }, [window]);
  const input = useMemo(
    () => ({ limit: LIMIT, teamSlug: team || undefined, since }),
    [team, since],
  );
  const runs = useQuery(trpc.runs.list.queryOptions(input));

  const onRun = useCallback(
    (run: RunSummary) => {
      if (team && run.teamId !== teamId) return;
      if (since && run.createdAt < since) return;
      queryClient.setQueryData(trpc.runs.list.queryKey(input), (old) => upsertRun(old, run, LIMIT));
    },
    [queryClient, trpc, input, team, teamId, since],
  );
  const onResync = useCallback(
    () => void queryClient.invalidateQueries(trpc.runs.list.queryFilter()),
    [queryClient, trpc],
  );
  useFleetLive(onRun, onResync);

  const counts = useMemo(() => {
    const c = new Map<Filter, number>();
    for (const f of FILTERS)
      c.set(f.value, runs.data?.filter((r) => f.match(r.status)).length ?? 0);
    return c;
  }, [runs.data]);
  const visible = useMemo(() => {
    const f = FILTERS.find((x) => x.value === filter) ?? FILTERS[0];
    return runs.data?.filter((r) => f?.match(r.status)) ?? [];
  }, [runs.data, filter]);

  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-5 p-6">
      <PageHeader
        title="Fleet"
        description="Every run of every team, live."
        actions={
          <IfCan permission="runs.control">
            <ImportRunButton />
            <LaunchRunDialog />
          </IfCan>
        }
      />
      <KpiCards runs={runs.data} />
      <Card className="min-h-0 overflow-hidden">
        <div
          className="flex flex-wrap items-center gap-1 border-b px-3 py-2"
          role="tablist"
          aria-label="Filter runs by status"
        >
          {FILTERS.map((f) => (
            <button
              key={f.value}
              role="tab"
              aria-selected={filter === f.value}
              data-testid={`filter-${f.value}`}
              onClick={() => setFilter(f.value)}
              className={cn(
                'inline-flex h-7 items-center gap-1.5 rounded-md px-2.5 text-[13px] transition-colors',
                filter === f.value
                  ? 'bg-secondary font-medium text-foreground'
                  : 'text-muted-foreground hover:text-foreground',
              )}
            >
              {f.label}
              <span className="rounded bg-muted px-1 text-[11px] text-muted-foreground tabular">
                {counts.get(f.value) ?? 0}
              </span>
            </button>
          ))}
          <div className="ml-auto flex items-center gap-2">
            <span className="text-xs text-muted-foreground">
              {runs.data && runs.data.length >= LIMIT ? `Latest ${LIMIT} runs` : null}
            </span>
            <Select
              aria-label="Team"
              data-testid="fleet-team-filter"
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
            <Select
              aria-label="Created"
              data-testid="fleet-window-filter"
              className="w-40"
              value={window}
              onChange={(e) => setWindow(e.target.value as Window)}
            >
              {WINDOWS.map((w) => (
                <option key={w.value} value={w.value}>
                  {w.label}
                </option>
              ))}
            </Select>
          </div>
        </div>
        {runs.isPending ? (
          <div className="grid gap-2 p-4">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : runs.isError ? (
          <div className="p-8 text-center text-sm text-destructive">
            Could not load runs: {runs.error.message}
          </div>
        ) : visible.length === 0 ? (
          <EmptyRuns filtered={filter !== 'all' || team !== '' || window !== 'all'} />
        ) : (
          <RunsTable runs={visible} />
        )}
      </Card>
    </div>
  );
}

function EmptyRuns({ filtered }: { filtered: boolean }) {
  return (
    <div
      className="flex flex-col items-center gap-3 px-6 py-16 text-center"
      data-testid="fleet-empty"
    >
      <span className="flex size-10 items-center justify-center rounded-full bg-secondary">
        <RocketIcon className="size-5 text-muted-foreground" />
      </span>
      <div className="text-sm font-medium">
        {filtered ? 'No runs match these filters' : 'No runs yet'}
      </div>
      <p className="max-w-sm text-sm text-muted-foreground">
        {filtered
          ? 'Try another status, team or time window.'
          : 'Launch a team on a goal; its agents, their work and their spend show up here live.'}
      </p>
      {!filtered && (
        <IfCan permission="runs.control">
          <LaunchRunDialog />
        </IfCan>
      )}
    </div>
  );
}
