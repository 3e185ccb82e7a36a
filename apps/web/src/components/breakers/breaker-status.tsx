import type { BreakerStatus } from '@flightdeck/domain';
import { cn } from '@/lib/utils';

const CLASSES: Record<BreakerStatus, string> = {
  closed: 'bg-status-completed-bg text-status-completed',
  open: 'bg-status-failed-bg text-status-failed ring-1 ring-status-failed/40',
  'half-open': 'bg-amber-100 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300',
};

const LABELS: Record<BreakerStatus, string> = {
  closed: 'Closed',
  open: 'Open',
  'half-open': 'Half-open',
};

/** A breaker's state as a badge: closed (calls go), open (tripped: calls held), half-open (one probe). */
export function BreakerStatusBadge({
  status,
  className,
}: {
  status: BreakerStatus;
  className?: string;
}) {
  return (
    <span
      className={cn(
        'inline-flex h-5 items-center rounded px-1.5 text-[11px] font-semibold whitespace-nowrap',
        CLASSES[status],
        className,
      )}
      data-testid="breaker-status"
      data-status={status}
    >
      {LABELS[status]}
    </span>
  );
}
