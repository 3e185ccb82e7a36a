import type { RunSummary } from '@flightdeck/domain';
import { ActivityIcon, BotIcon, CoinsIcon, CpuIcon, ShieldAlertIcon } from 'lucide-react';
import { formatCount, formatTokens, formatUsd } from '@/client/format';
import { isActiveRun } from '@/components/status';
import { Kpi } from '@/components/ui/kpi';
import { Skeleton } from '@/components/ui/skeleton';

export function KpiCards({ runs }: { runs: readonly RunSummary[] | undefined }) {
  if (!runs) {
    return (
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-[92px] rounded-lg" />
        ))}
      </div>
    );
  }
  const active = runs.filter((r) => isActiveRun(r.status));
  const agentsActive = active.reduce((n, r) => n + r.agentCount, 0);
  const agentsAll = runs.reduce((n, r) => n + r.agentCount, 0);
  const tokensIn = runs.reduce((n, r) => n + r.inputTokens, 0);
  const tokensOut = runs.reduce((n, r) => n + r.outputTokens, 0);
  const cost = runs.reduce((n, r) => n + r.costMicroUsd, 0);
  const failed = runs.filter((r) => r.status === 'failed').length;
  // Breakers of runs still going: an ended run's breakers hold nothing any more.
  const tripped = active.filter((r) => r.openBreakers.length > 0);
  const openBreakers = tripped.reduce((n, r) => n + r.openBreakers.length, 0);
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-5">
      <Kpi
        testId="kpi-active-runs"
        label="Active runs"
        icon={ActivityIcon}
        value={formatCount(active.length)}
        hint={`${formatCount(runs.length)} recent · ${failed} failed`}
      />
      <Kpi
        testId="kpi-agents"
        label="Agents working"
        icon={BotIcon}
        value={formatCount(agentsActive)}
        hint={`${formatCount(agentsAll)} spawned across recent runs`}
      />
      <Kpi
        testId="kpi-tokens"
        label="Tokens"
        icon={CpuIcon}
        value={formatTokens(tokensIn + tokensOut)}
        hint={`${formatTokens(tokensIn)} in · ${formatTokens(tokensOut)} out`}
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
        testId="kpi-spend"
        label="Spend"
        icon={CoinsIcon}
        value={formatUsd(cost)}
        hint={
          runs.length
            ? `${formatUsd(Math.round(cost / runs.length))} per run on average`
            : 'no runs yet'
        }
      />
    </div>
  );
}
