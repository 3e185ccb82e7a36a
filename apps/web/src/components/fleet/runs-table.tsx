'use client';

import type { RunSummary } from '@flightdeck/domain';
import { ShieldAlertIcon } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { formatDuration, formatRelative, formatTokens, formatUsd, shortId } from '@/client/format';
import { useNow } from '@/client/use-now';
import { isActiveRun, RunStatusBadge } from '@/components/status';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/components/ui/table';
import { Tooltip, TooltipContent, TooltipTrigger } from '@/components/ui/tooltip';

export function RunsTable({ runs }: { runs: readonly RunSummary[] }) {
  const router = useRouter();
  const now = useNow(1000);
  return (
    <Table data-testid="fleet-table">
      <TableHeader className="sticky top-0 z-10 bg-card">
        <TableRow className="hover:bg-transparent">
          <TableHead className="w-[130px] pl-4">Status</TableHead>
          <TableHead>Run</TableHead>
          <TableHead>Team</TableHead>
          <TableHead className="text-right">Agents</TableHead>
          <TableHead className="text-right">Turns</TableHead>
          <TableHead className="text-right">Tokens</TableHead>
          <TableHead className="text-right">Cost</TableHead>
          <TableHead className="text-right">Started</TableHead>
          <TableHead className="pr-4 text-right">Duration</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {runs.map((run) => {
          // Only an ended run has an end (a paused run's row may carry the time of its pause).
          const end = run.endedAt && !isActiveRun(run.status) ? Date.parse(run.endedAt) : now;
          const duration = now ? end - Date.parse(run.createdAt) : NaN;
          return (
            <TableRow
              key={run.id}
              data-testid="fleet-row"
              data-run-id={run.id}
              data-status={run.status}
              className="cursor-pointer"
              onClick={(e) => {
                if ((e.target as HTMLElement).closest('a')) return;
                router.push(`/runs/${run.id}`);
              }}
            >
              <TableCell className="pl-4">
                <div className="flex items-center gap-1.5">
                  <RunStatusBadge status={run.status} />
                  {isActiveRun(run.status) && run.openBreakers.length > 0 && (
                    <Tooltip>
                      <TooltipTrigger asChild>
                        <span
                          className="inline-flex items-center gap-0.5 text-status-failed"
                          data-testid="fleet-row-breakers"
                          data-count={run.openBreakers.length}
                        >
                          <ShieldAlertIcon className="size-3.5" />
                          <span className="text-[11px] font-semibold tabular">
                            {run.openBreakers.length}
                          </span>
                        </span>
                      </TooltipTrigger>
                      <TooltipContent>
                        Open breaker{run.openBreakers.length === 1 ? '' : 's'}:{' '}
                        {run.openBreakers.join(', ')}
                      </TooltipContent>
                    </Tooltip>
                  )}
                </div>
              </TableCell>
              <TableCell className="max-w-[420px]">
                <Link
                  href={`/runs/${run.id}`}
                  className="block truncate font-medium hover:underline"
                  title={run.goal}
                >
                  {run.goal}
                </Link>
                <div className="font-mono text-[11px] text-muted-foreground">{shortId(run.id)}</div>
              </TableCell>
              <TableCell className="text-muted-foreground">{run.teamName}</TableCell>
              <TableCell className="text-right tabular">{run.agentCount}</TableCell>
              <TableCell className="text-right tabular">{run.turns}</TableCell>
              <TableCell className="text-right tabular">
                <Tooltip>
                  <TooltipTrigger asChild>
                    <span>{formatTokens(run.inputTokens + run.outputTokens)}</span>
                  </TooltipTrigger>
                  <TooltipContent>
                    {run.inputTokens.toLocaleString('en-US')} in ·{' '}
                    {run.outputTokens.toLocaleString('en-US')} out
                  </TooltipContent>
                </Tooltip>
              </TableCell>
              <TableCell className="text-right tabular">{formatUsd(run.costMicroUsd)}</TableCell>
              <TableCell className="text-right text-muted-foreground tabular" title={run.createdAt}>
                {now ? formatRelative(run.createdAt, now) : ''}
              </TableCell>
              <TableCell className="pr-4 text-right tabular text-muted-foreground">
                {now ? formatDuration(duration) : ''}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
