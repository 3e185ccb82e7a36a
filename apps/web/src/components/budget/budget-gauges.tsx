'use client';

import {
  type BudgetGauge,
  formatBudgetAmount,
  metricName,
  scopeKeyInRun,
  type ScopeStatus,
} from '@flightdeck/domain';
import { formatDuration } from '@/client/format';
import { cn } from '@/lib/utils';

/**
 * Gauges of one scope: per limited metric, used (solid) and reserved
 * (hatched) against the hard limit, the soft limit as a tick, and when the
 * hard limit will be reached at the current burn rate. Metrics without a
 * limit are listed as figures.
 */
export function ScopeGauges({ status, className }: { status: ScopeStatus; className?: string }) {
  const key = scopeKeyInRun(status.scope);
  const limited = status.gauges.filter((g) => g.hard !== null || g.soft !== null);
  const others = status.gauges.filter(
    (g) => g.hard === null && g.soft === null && g.used > 0 && g.metric !== 'wallMs',
  );
  return (
    <div className={cn('flex flex-col gap-2.5', className)} data-testid={`budget-scope-${key}`}>
      <div className="text-xs font-medium text-muted-foreground">{sentence(status.label)}</div>
      {limited.length === 0 ? (
        <div className="text-xs text-muted-foreground">No limits.</div>
      ) : (
        limited.map((gauge) => <Gauge key={gauge.metric} gauge={gauge} scopeKey={key} />)
      )}
      {others.length > 0 && (
        <div className="text-[11px] text-muted-foreground">
          Unlimited, used: {others.map((g) => formatBudgetAmount(g.metric, g.used)).join(' · ')}
        </div>
      )}
    </div>
  );
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function Gauge({ gauge, scopeKey }: { gauge: BudgetGauge; scopeKey: string }) {
  const { used, reserved, soft, hard, metric } = gauge;
  const max = hard ?? Math.max((soft ?? 0) * 1.25, used + reserved, 1);
  const pct = (n: number) => Math.max(0, Math.min(100, (n / max) * 100));
  const usedPct = pct(used);
  const reservedPct = Math.min(100 - usedPct, pct(reserved));
  const reached = hard !== null && used >= hard;
  const warned = soft !== null && used >= soft;
  const f = (n: number) => formatBudgetAmount(metric, n);
  const projection =
    gauge.exhaustsInMs === null
      ? null
      : gauge.exhaustsInMs === 0
        ? 'limit reached'
        : `reached in ~${formatDuration(gauge.exhaustsInMs)} at this rate`;
  return (
    <div
      className="flex flex-col gap-1"
      data-testid={`budget-gauge-${scopeKey}-${metric}`}
      data-used={used}
      data-reserved={reserved}
      data-hard={hard ?? ''}
      data-soft={soft ?? ''}
    >
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="font-medium">{sentence(metricName(metric))}</span>
        <span className="tabular text-muted-foreground">
          <span className={cn('font-medium text-foreground', reached && 'text-status-failed')}>
            {f(used)}
          </span>
          {reserved > 0 && <span> + {f(reserved)} reserved</span>}
          {hard !== null && <span> of {f(hard)}</span>}
        </span>
      </div>
      <div
        className="relative h-2.5 overflow-hidden rounded-full bg-muted"
        role="meter"
        aria-label={`${metricName(metric)} used`}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={used}
      >
        <div
          className={cn(
            'absolute inset-y-0 left-0 transition-[width] duration-300',
            reached ? 'bg-status-failed' : warned ? 'bg-amber-500' : 'bg-emerald-500',
          )}
          style={{ width: `${usedPct}%` }}
        />
        {reservedPct > 0 && (
          <div
            className="absolute inset-y-0 bg-[repeating-linear-gradient(135deg,#fbbf24_0_4px,transparent_4px_7px)] opacity-80"
            style={{ left: `${usedPct}%`, width: `${reservedPct}%` }}
            title="reserved by calls in flight"
          />
        )}
        {soft !== null && hard !== null && (
          <div
            className="absolute inset-y-0 w-0.5 bg-foreground/50"
            style={{ left: `${pct(soft)}%` }}
            title={`warn at ${f(soft)}`}
          />
        )}
      </div>
      <div className="flex justify-between gap-2 text-[11px] text-muted-foreground">
        <span>{soft !== null ? `warn at ${f(soft)}` : ''}</span>
        <span data-testid="budget-projection" className={cn(reached && 'text-status-failed')}>
          {projection ?? (hard === null ? 'no hard limit' : 'idle')}
        </span>
      </div>
    </div>
  );
}
