import type { RunEvent } from '@flightdeck/domain';
import { cn } from '@/lib/utils';
import { categoryOf, type EventCategory } from './event-summary';

const CATEGORY_CLASSES: Record<EventCategory, string> = {
  run: 'bg-primary/10 text-primary',
  agent: 'bg-sky-500/10 text-sky-700 dark:text-sky-300',
  llm: 'bg-violet-500/10 text-violet-700 dark:text-violet-300',
  tool: 'bg-amber-500/12 text-amber-800 dark:text-amber-300',
  breaker: 'bg-rose-500/10 text-rose-700 dark:text-rose-300',
  budget: 'bg-emerald-500/12 text-emerald-800 dark:text-emerald-300',
};

export function EventTypeBadge({
  type,
  failed,
  className,
}: {
  type: RunEvent['type'];
  failed?: boolean;
  className?: string;
}) {
  return (
    <span
      className={cn(
        'inline-flex h-5 items-center rounded px-1.5 font-mono text-[11px] font-medium whitespace-nowrap',
        failed ? 'bg-status-failed-bg text-status-failed' : CATEGORY_CLASSES[categoryOf(type)],
        className,
      )}
      title={type}
    >
      {type}
    </span>
  );
}
