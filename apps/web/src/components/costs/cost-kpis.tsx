import { CalendarIcon, CoinsIcon, CpuIcon, FlameIcon, TrophyIcon } from 'lucide-react';
import { formatCount, formatTokens, formatUsd } from '@/client/format';
import { Kpi } from '@/components/ui/kpi';
import { Skeleton } from '@/components/ui/skeleton';
import type { CostSummary } from './types';

export function CostKpis({
  summary,
  rangeLabel,
}: {
  summary: CostSummary | undefined;
  rangeLabel: string;
}) {
  if (!summary) {
    return (
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-[92px] rounded-lg" />
        ))}
      </div>
    );
  }
  const { today, month, range, topTeam } = summary;
  const share =
    topTeam && range.costMicroUsd > 0
      ? Math.round((topTeam.costMicroUsd / range.costMicroUsd) * 100)
      : 0;
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-5">
      <Kpi
        testId="costs-kpi-today"
        label="Spend today"
        icon={CoinsIcon}
        value={formatUsd(today.costMicroUsd)}
        hint={`${formatCount(today.calls)} model calls since 00:00 UTC`}
      />
      <Kpi
        testId="costs-kpi-month"
        label="Spend this month"
        icon={CalendarIcon}
        value={formatUsd(month.costMicroUsd)}
        hint={`${formatCount(month.calls)} calls since the 1st (UTC)`}
      />
      <Kpi
        testId="costs-kpi-tokens"
        label="Tokens today"
        icon={CpuIcon}
        value={formatTokens(today.inputTokens + today.outputTokens)}
        hint={`${formatTokens(today.inputTokens)} in · ${formatTokens(today.outputTokens)} out`}
      />
      <Kpi
        testId="costs-kpi-burn-rate"
        label="Burn rate"
        icon={FlameIcon}
        value={`${formatUsd(summary.burnRateMicroUsdPerHour)}/h`}
        hint="spent over the last 60 minutes"
      />
      <Kpi
        testId="costs-kpi-top-team"
        label="Top team"
        icon={TrophyIcon}
        value={topTeam ? topTeam.teamName : '—'}
        hint={
          topTeam
            ? `${formatUsd(topTeam.costMicroUsd)} · ${share}% of the ${rangeLabel}`
            : `no spend in the ${rangeLabel}`
        }
      />
    </div>
  );
}
