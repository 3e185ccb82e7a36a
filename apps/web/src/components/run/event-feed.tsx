'use client';

import type { RunEvent, RunState } from '@flightdeck/domain';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDownToLineIcon, ChevronRightIcon } from 'lucide-react';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatClock, formatCount } from '@/client/format';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import {
  categoryOf,
  type EventCategory,
  isFailureEvent,
  isControlEvent,
  summarize,
} from './event-summary';
import { EventTypeBadge } from './event-type-badge';

type CategoryFilter = 'all' | EventCategory | 'control' | 'failures';

const CATEGORY_FILTERS: Array<{ value: CategoryFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'llm', label: 'Model' },
  { value: 'tool', label: 'Tools' },
  { value: 'agent', label: 'Agents' },
  { value: 'run', label: 'Run' },
  { value: 'budget', label: 'Budget' },
  { value: 'control', label: 'Control' },
  { value: 'failures', label: 'Failures' },
];

/**
 * A collapsed row's height: its h-8 line and a 1 px border. Exact on purpose: the
 * virtualizer measures each row it shows, and every measurement that differs from
 * this estimate makes it recompute the offsets of all rows (100k in a long run),
 * which made scrolling a long log stutter.
 */
const ROW_HEIGHT = 33;

function matches(event: RunEvent, category: CategoryFilter): boolean {
  if (category === 'all') return true;
  if (category === 'failures') return isFailureEvent(event);
  if (category === 'control') return isControlEvent(event);
  return categoryOf(event.type) === category;
}

interface EventFeedProps {
  events: readonly RunEvent[];
  /** events.length at this render: the array is append-only and shared. */
  count: number;
  state: RunState;
  /** Show only this agent's events, when set. */
  agentFilter: string | null;
  onClearAgentFilter: () => void;
  /** Seqs of the `fs.write` dispatches that changed a file: their rows link to the change. */
  changeSeqs?: ReadonlySet<number>;
  onShowChange?: (seq: number) => void;
}

/**
 * The run's log, virtualized: a run may hold 100k events, the DOM holds only
 * the rows in view (plus a few). Newest at the bottom; it follows the tail
 * while you are at the bottom and stops when you scroll up.
 */
export function EventFeed({
  events,
  count,
  state,
  agentFilter,
  onClearAgentFilter,
  changeSeqs,
  onShowChange,
}: EventFeedProps) {
  const [category, setCategory] = useState<CategoryFilter>('all');
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());
  const [follow, setFollow] = useState(true);
  const scrollRef = useRef<HTMLDivElement>(null);

  // Indices of the events that pass the filters (all of them when unfiltered: no copy).
  const rows = useMemo((): { size: number; at: (i: number) => RunEvent | undefined } => {
    if (category === 'all' && !agentFilter) return { size: count, at: (i) => events[i] };
    const picked: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = events[i];
      if (!e) continue;
      if (agentFilter && e.agentId !== agentFilter) continue;
      if (!matches(e, category)) continue;
      picked.push(i);
    }
    return { size: picked.length, at: (i) => events[picked[i] ?? -1] };
  }, [events, count, category, agentFilter]);

  const virtualizer = useVirtualizer({
    count: rows.size,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (i) => rows.at(i)?.seq ?? i,
    useFlushSync: false,
  });

  // Follow the tail while following.
  useLayoutEffect(() => {
    if (follow && rows.size > 0) virtualizer.scrollToIndex(rows.size - 1, { align: 'end' });
  }, [follow, rows.size, virtualizer]);

  // Scrolling up stops following; reaching the bottom again resumes it.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    let lastTop = el.scrollTop;
    const onScroll = () => {
      const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT;
      if (el.scrollTop < lastTop - 2 && !atBottom) setFollow(false);
      else if (atBottom) setFollow(true);
      lastTop = el.scrollTop;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  const expandedRef = useRef(expanded);
  expandedRef.current = expanded;
  // Stable, so memoized rows do not re-render on every new event.
  const toggle = useCallback((seq: number) => {
    // Reading an event: stop following so it does not scroll away.
    if (!expandedRef.current.has(seq)) setFollow(false);
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });
  }, []);

  const agentName = agentFilter ? state.agents[agentFilter]?.name : null;
  const items = virtualizer.getVirtualItems();

  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="event-feed" data-count={count}>
      <div className="flex flex-wrap items-center gap-1 border-b px-3 py-1.5">
        {CATEGORY_FILTERS.map((f) => (
          <button
            key={f.value}
            onClick={() => setCategory(f.value)}
            data-testid={`feed-filter-${f.value}`}
            className={cn(
              'h-6 rounded px-2 text-xs transition-colors',
              category === f.value
                ? 'bg-secondary font-medium text-foreground'
                : 'text-muted-foreground hover:text-foreground',
            )}
          >
            {f.label}
          </button>
        ))}
        {agentName && (
          <button
            onClick={onClearAgentFilter}
            className="ml-1 inline-flex h-6 items-center gap-1 rounded border border-dashed px-2 text-xs text-muted-foreground hover:text-foreground"
            title="Show every agent's events"
          >
            agent: <span className="font-medium text-foreground">{agentName}</span> ✕
          </button>
        )}
        <span className="ml-auto text-xs text-muted-foreground tabular">
          {rows.size === count
            ? `${formatCount(count)} events`
            : `${formatCount(rows.size)} of ${formatCount(count)}`}
        </span>
      </div>
      <div className="relative min-h-0 flex-1">
        <div
          ref={scrollRef}
          className="absolute inset-0 overflow-y-auto overscroll-contain font-mono text-xs"
          data-testid="event-feed-scroll"
        >
          {rows.size === 0 ? (
            <div className="p-6 text-center font-sans text-sm text-muted-foreground">
              No events{count ? ' match this filter' : ' yet'}.
            </div>
          ) : (
            <div
              style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}
            >
              {items.map((item) => {
                const event = rows.at(item.index);
                if (!event) return null;
                return (
                  <div
                    key={item.key}
                    ref={virtualizer.measureElement}
                    data-index={item.index}
                    className="absolute top-0 left-0 w-full"
                    style={{ transform: `translateY(${item.start}px)` }}
                  >
                    <EventRow
                      event={event}
                      agentName={event.agentId ? (state.agents[event.agentId]?.name ?? '') : ''}
                      summary={summarize(event, state)}
                      expanded={expanded.has(event.seq)}
                      onToggle={toggle}
                      onShowChange={changeSeqs?.has(event.seq) ? onShowChange : undefined}
                    />
                  </div>
                );
              })}
            </div>
          )}
        </div>
        {!follow && rows.size > 0 && (
          <Button
            size="xs"
            variant="secondary"
            className="absolute right-4 bottom-3 shadow-md"
            onClick={() => setFollow(true)}
            data-testid="feed-follow"
          >
            <ArrowDownToLineIcon className="size-3" /> Follow latest
          </Button>
        )}
      </div>
    </div>
  );
}

const EventRow = memo(function EventRow({
  event,
  agentName,
  summary,
  expanded,
  onToggle,
  onShowChange,
}: {
  event: RunEvent;
  agentName: string;
  summary: string;
  expanded: boolean;
  onToggle: (seq: number) => void;
  /** Set on an `fs.write` that changed a file: a "diff" link to that change. */
  onShowChange?: (seq: number) => void;
}) {
  const failed = isFailureEvent(event);
  return (
    <div
      data-testid="event-row"
      data-seq={event.seq}
      data-type={event.type}
      className={cn('border-b border-border/60', expanded && 'bg-muted/40')}
    >
      <div className="flex items-center hover:bg-muted/50">
        <button
          type="button"
          onClick={() => onToggle(event.seq)}
          aria-expanded={expanded}
          className="flex h-8 min-w-0 flex-1 items-center gap-2 px-3 text-left"
        >
          <ChevronRightIcon
            className={cn(
              'size-3 shrink-0 text-muted-foreground transition-transform',
              expanded && 'rotate-90',
            )}
          />
          <span className="w-10 shrink-0 text-right text-muted-foreground tabular">
            {event.seq}
          </span>
          <span className="w-[60px] shrink-0 text-muted-foreground tabular" title={event.at}>
            {formatClock(event.at).slice(0, 8)}
          </span>
          <EventTypeBadge
            type={event.type}
            failed={failed}
            className="w-[138px] shrink-0 justify-start overflow-hidden"
          />
          <span
            className={cn(
              'min-w-0 flex-1 truncate font-sans text-[13px]',
              failed ? 'text-status-failed' : 'text-foreground/80',
            )}
          >
            {agentName && <span className="mr-1.5 font-medium text-foreground">{agentName}</span>}
            {summary}
          </span>
        </button>
        {onShowChange && (
          <a
            href={`?tab=workspace&change=${event.seq}`}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              onShowChange(event.seq);
            }}
            className="mr-3 shrink-0 rounded border px-1.5 font-sans text-[11px] leading-4 text-primary hover:bg-primary/10"
            title="Show the change this write made, in the Workspace tab"
            data-testid="event-diff-link"
          >
            diff
          </a>
        )}
      </div>
      {expanded && (
        <pre
          data-testid="event-json"
          className="mx-3 mb-2 max-h-80 overflow-auto rounded-md border bg-background p-3 text-[11.5px] leading-relaxed whitespace-pre-wrap break-all"
        >
          {JSON.stringify(event, null, 2)}
        </pre>
      )}
    </div>
  );
});
