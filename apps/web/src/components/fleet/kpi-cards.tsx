import type { RunSummary } from '@flightdeck/domain';
import { ActivityIcon, BotIcon, CoinsIcon, CpuIcon } from 'lucide-react';
import { formatCount, formatTokens, formatUsd } from '@/client/format';
import { isActiveRun } from '@/components/status';
import { Kpi } from '@/components/ui/kpi';
import { Skeleton } from '@/components/ui/skeleton';

export function KpiCards({ runs }: { runs: readonly RunSummary[] | undefined }) {
  if (!runs) {
    return (
      <div className="grid grid-cols-2 gap-3 xl:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
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
  return (
    <div className="grid grid-cols-2 gap-3 xl:grid-cols-4">
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
