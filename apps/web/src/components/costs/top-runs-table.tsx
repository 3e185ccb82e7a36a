'use client';

import { RUN_STATUSES, type RunStatus } from '@flightdeck/domain';
import Link from 'next/link';
import { formatDuration, formatRelative, formatTokens, formatUsd, shortId } from '@/client/format';
import { useNow } from '@/client/use-now';
import { isActiveRun, RunStatusBadge } from '@/components/status';
import { Card, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';
import type { CostlyRunRow } from './types';

const isRunStatus = (s: string): s is RunStatus => (RUN_STATUSES as readonly string[]).includes(s);

export function TopRunsTable({
  runs,
  rangeLabel,
}: {
  runs: CostlyRunRow[] | undefined;
  rangeLabel: string;
}) {
  const now = useNow(1000);
  return (
    <Card className="overflow-hidden" data-testid="costs-top-runs">
      <CardHeader className="items-start">
        <div className="space-y-1">
          <CardTitle>Most expensive runs</CardTitle>
          <CardDescription>Runs started in the {rangeLabel}, by their total spend</CardDescription>
        </div>
      </CardHeader>
      {!runs ? (
        <div className="grid gap-2 p-4">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-10" />
          ))}
        </div>
      ) : runs.length === 0 ? (
        <div className="px-6 py-10 text-center text-sm text-muted-foreground">
          No run with any spend started in this range.
        </div>
      ) : (
        <Table>
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-[110px] pl-4">Status</TableHead>
              <TableHead>Run</TableHead>
              <TableHead>Team</TableHead>
              <TableHead className="text-right">Agents</TableHead>
              <TableHead className="text-right">Tokens</TableHead>
              <TableHead className="text-right">Cost</TableHead>
              <TableHead className="text-right">Started</TableHead>
              <TableHead className="pr-4 text-right">Duration</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {runs.map((run) => {
              const status = isRunStatus(run.status) ? run.status : null;
              const ended = run.endedAt && status && !isActiveRun(status);
              const duration = now
                ? (ended ? Date.parse(run.endedAt ?? '') : now) - Date.parse(run.createdAt)
                : NaN;
              return (
                <TableRow key={run.id} data-testid="costs-run-row" data-run-id={run.id}>
                  <TableCell className="pl-4">
                    {status ? <RunStatusBadge status={status} /> : run.status}
                  </TableCell>
                  <TableCell className="max-w-[420px]">
                    <Link
                      href={`/runs/${run.id}`}
                      className="block truncate font-medium hover:underline"
                      title={run.goal}
                    >
                      {run.goal}
                    </Link>
                    <div className="font-mono text-[11px] text-muted-foreground">
                      {shortId(run.id)}
                    </div>
                  </TableCell>
                  <TableCell className="text-muted-foreground">{run.teamName}</TableCell>
                  <TableCell className="text-right tabular">{run.agentCount}</TableCell>
                  <TableCell
                    className="text-right tabular"
                    title={`${run.inputTokens} in · ${run.outputTokens} out`}
                  >
                    {formatTokens(run.inputTokens + run.outputTokens)}
                  </TableCell>
                  <TableCell className="text-right font-medium tabular">
                    {formatUsd(run.costMicroUsd)}
                  </TableCell>
                  <TableCell
                    className="text-right text-muted-foreground tabular"
                    title={run.createdAt}
                  >
                    {now ? formatRelative(run.createdAt, now) : ''}
                  </TableCell>
                  <TableCell className="pr-4 text-right text-muted-foreground tabular">
                    {now ? formatDuration(duration) : ''}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
