'use client';

import type { RunEvent } from '@flightdeck/domain';
import { Fd } from '@flightdeck/telemetry/spans';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  ChevronRightIcon,
  ListCollapseIcon,
  ListTreeIcon,
  RotateCcwIcon,
  ZoomInIcon,
  ZoomOutIcon,
} from 'lucide-react';
import {
  memo,
  useCallback,
  useMemo,
  useRef,
  useState,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import { useNow } from '@/client/use-now';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import {
  axisTicks,
  barGeometry,
  clampWindow,
  formatSpanDuration,
  isWholeTrace,
  orderSpans,
  selectWindow,
  spanDurationMs,
  traceBounds,
  type TimeWindow,
  type WaterfallRow,
  zoomWindow,
} from './layout';
import { SpanDetails } from './span-details';
import { barClass, KIND_STYLE, shortOp, splitName } from './span-style';
import { useSpans } from './use-spans';

const ROW_HEIGHT = 28;
/** Up to this many rows the DOM holds them all; past it, only those in view. */
const RENDER_ALL_UP_TO = 300;
const NAME_COLUMN = 'w-[clamp(240px,36%,400px)]';
const INDENT = 12;

interface TraceWaterfallProps {
  events: readonly RunEvent[];
  count: number;
}

/**
 * The run's trace as a waterfall (Jaeger-style): its spans in tree order, bars
 * on a shared time axis, derived live from the event log. Collapse subtrees,
 * zoom (buttons or drag a range on the axis), click a span for its details.
 */
export function TraceWaterfall({ events, count }: TraceWaterfallProps) {
  const spans = useSpans(events, count);
  const ticking = useNow(500);
  const [toggled, setToggled] = useState<ReadonlySet<string>>(() => new Set());
  const [collapseTurns, setCollapseTurns] = useState(false);
  const [zoom, setZoom] = useState<TimeWindow | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);

  const open = spans.some((s) => s.endTime === null);
  // A finished trace does not move: pin "now" so nothing re-lays out on the tick.
  const now = open ? Math.max(ticking, Date.now()) : 0;

  const rows = useMemo(
    () =>
      orderSpans(spans, (s) =>
        collapseTurns && s.kind === 'turn' ? !toggled.has(s.spanId) : toggled.has(s.spanId),
      ),
    [spans, toggled, collapseTurns],
  );
  const bounds = traceBounds(spans, now);
  const view = bounds ? (zoom ? clampWindow(zoom, bounds) : bounds) : null;
  const zoomed = !!(bounds && view && !isWholeTrace(view, bounds));

  const agentNames = useMemo(() => {
    const names = new Map<string, string>();
    for (const s of spans)
      if (s.kind === 'agent' && s.agentId)
        names.set(s.agentId, String(s.attributes[Fd.agentName] ?? s.agentId));
    return names;
  }, [spans]);
  const selected = selectedId ? (spans.find((s) => s.spanId === selectedId) ?? null) : null;

  const toggle = useCallback((spanId: string) => {
    setToggled((current) => {
      const next = new Set(current);
      if (!next.delete(spanId)) next.add(spanId);
      return next;
    });
  }, []);
  const select = useCallback(
    (spanId: string) => setSelectedId((current) => (current === spanId ? null : spanId)),
    [],
  );

  const zoomBy = (factor: number) => {
    if (!bounds || !view) return;
    const next = zoomWindow(view, bounds, factor);
    setZoom(isWholeTrace(next, bounds) ? null : next);
  };

  return (
    <div
      className="flex h-full min-h-0 flex-col"
      data-testid="waterfall"
      data-span-count={spans.length}
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1.5 border-b bg-muted/20 px-3 py-1.5">
        <Legend />
        <div className="ml-auto flex items-center gap-1">
          <Button
            variant={collapseTurns ? 'secondary' : 'ghost'}
            size="xs"
            onClick={() => {
              setCollapseTurns((c) => !c);
              setToggled(new Set());
            }}
            aria-pressed={collapseTurns}
            data-testid="waterfall-collapse-turns"
          >
            {collapseTurns ? (
              <ListTreeIcon className="size-3.5" />
            ) : (
              <ListCollapseIcon className="size-3.5" />
            )}
            {collapseTurns ? 'Expand turns' : 'Collapse turns'}
          </Button>
          <span className="mx-1 h-4 w-px bg-border" />
          <Button
            variant="ghost"
            size="icon-sm"
            className="size-7"
            onClick={() => zoomBy(0.5)}
            disabled={!view}
            aria-label="Zoom in"
            data-testid="waterfall-zoom-in"
          >
            <ZoomInIcon className="size-4" />
          </Button>
          <Button
            variant="ghost"
            size="icon-sm"
            className="size-7"
            onClick={() => zoomBy(2)}
            disabled={!zoomed}
            aria-label="Zoom out"
            data-testid="waterfall-zoom-out"
          >
            <ZoomOutIcon className="size-4" />
          </Button>
          <Button
            variant="ghost"
            size="xs"
            onClick={() => setZoom(null)}
            disabled={!zoomed}
            data-testid="waterfall-zoom-reset"
          >
            <RotateCcwIcon className="size-3.5" /> Reset
          </Button>
        </div>
      </div>

      <div className="flex min-h-0 flex-1">
        <div className="flex min-w-0 flex-1 flex-col">
          {bounds && view ? (
            <>
              <AxisHeader
                view={view}
                bounds={bounds}
                spanCount={spans.length}
                onSelect={(w) => setZoom(isWholeTrace(w, bounds) ? null : w)}
              />
              <Rows
                rows={rows}
                view={view}
                origin={bounds.start}
                now={now}
                selectedId={selectedId}
                onToggle={toggle}
                onSelect={select}
              />
            </>
          ) : (
            <div className="flex flex-1 items-center justify-center p-6 text-sm text-muted-foreground">
              No spans yet: the trace starts with the run.
            </div>
          )}
        </div>
        {selected && bounds && (
          <div className="w-[300px] shrink-0 border-l xl:w-[340px]">
            <SpanDetails
              span={selected}
              origin={bounds.start}
              now={now}
              agentName={(id) => agentNames.get(id) ?? null}
              onClose={() => setSelectedId(null)}
            />
          </div>
        )}
      </div>
    </div>
  );
}

function Legend() {
  return (
    <div
      className="flex flex-wrap items-center gap-x-3 gap-y-1 text-[11px] text-muted-foreground"
      aria-label="Legend"
    >
      {(['agent', 'turn', 'llm', 'tool'] as const).map((kind) => (
        <span key={kind} className="inline-flex items-center gap-1.5">
          <span className={cn('h-2 w-3.5 rounded-[2px]', KIND_STYLE[kind].bar)} />
          {KIND_STYLE[kind].label}
        </span>
      ))}
      <span className="inline-flex items-center gap-1.5">
        <span className="h-2 w-3.5 rounded-[2px] bg-red-500" />
        Error
      </span>
    </div>
  );
}

/** The time axis: tick labels (offsets from the trace start), and a drag to zoom into a range. */
function AxisHeader({
  view,
  bounds,
  spanCount,
  onSelect,
}: {
  view: TimeWindow;
  bounds: TimeWindow;
  spanCount: number;
  onSelect: (w: TimeWindow) => void;
}) {
  const ticks = axisTicks(view, bounds.start);
  const axis = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);

  const fractionAt = (e: ReactPointerEvent) => {
    const rect = axis.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const f = fractionAt(e);
    setDrag({ from: f, to: f });
  };
  const onPointerMove = (e: ReactPointerEvent) => {
    if (drag) setDrag({ from: drag.from, to: fractionAt(e) });
  };
  const onPointerUp = () => {
    if (drag && Math.abs(drag.to - drag.from) > 0.01)
      onSelect(selectWindow(view, bounds, drag.from, drag.to));
    setDrag(null);
  };

  return (
    <div className="flex h-8 shrink-0 border-b bg-muted/30 text-[11px] text-muted-foreground select-none">
      <div className={cn('flex shrink-0 items-center border-r px-3 font-medium', NAME_COLUMN)}>
        <span className="text-foreground">Span</span>
        <span className="ml-auto tabular">{spanCount} spans</span>
      </div>
      <div
        ref={axis}
        className="relative min-w-0 flex-1 cursor-col-resize"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
        title="Drag to zoom into a time range"
        data-testid="waterfall-axis"
      >
        {ticks.map((t) => (
          <div
            key={t.offsetMs}
            className="absolute inset-y-0 border-l border-border/80"
            style={{ left: `${t.fraction * 100}%` }}
          >
            <span
              className={cn(
                'absolute top-1/2 -translate-y-1/2 px-1 tabular',
                t.fraction > 0.92 ? 'right-0' : 'left-0',
              )}
            >
              {formatSpanDuration(t.offsetMs)}
            </span>
          </div>
        ))}
        {drag && (
          <div
            className="pointer-events-none absolute inset-y-0 border-x border-primary bg-primary/15"
            style={{
              left: `${Math.min(drag.from, drag.to) * 100}%`,
              width: `${Math.abs(drag.to - drag.from) * 100}%`,
            }}
          />
        )}
      </div>
    </div>
  );
}

interface RowsProps {
  rows: WaterfallRow[];
  view: TimeWindow;
  origin: number;
  now: number;
  selectedId: string | null;
  onToggle: (spanId: string) => void;
  onSelect: (spanId: string) => void;
}

function Rows({ rows, view, origin, now, selectedId, onToggle, onSelect }: RowsProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: rows.length <= RENDER_ALL_UP_TO ? RENDER_ALL_UP_TO : 20,
    getItemKey: (i) => rows[i]?.span.spanId ?? i,
  });
  const ticks = axisTicks(view, origin);

  return (
    <div
      ref={scrollRef}
      className="relative min-h-0 flex-1 overflow-y-auto"
      data-testid="waterfall-rows"
      data-row-count={rows.length}
    >
      <div className="relative" style={{ height: virtualizer.getTotalSize() }}>
        {/* The axis' grid lines, behind the bars. */}
        <div
          className={cn(
            'pointer-events-none absolute inset-y-0 right-0 left-[clamp(240px,36%,400px)]',
          )}
        >
          {ticks.map((t) => (
            <div
              key={t.offsetMs}
              className="absolute inset-y-0 border-l border-dashed border-border/70"
              style={{ left: `${t.fraction * 100}%` }}
            />
          ))}
        </div>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index]!;
          return (
            <SpanRow
              key={item.key}
              row={row}
              top={item.start}
              view={view}
              now={row.span.endTime === null ? now : 0}
              selected={row.span.spanId === selectedId}
              onToggle={onToggle}
              onSelect={onSelect}
            />
          );
        })}
      </div>
    </div>
  );
}

interface SpanRowProps {
  row: WaterfallRow;
  top: number;
  view: TimeWindow;
  /** "now" for an open span; 0 for an ended one (so it does not re-render on the tick). */
  now: number;
  selected: boolean;
  onToggle: (spanId: string) => void;
  onSelect: (spanId: string) => void;
}

const SpanRow = memo(function SpanRow({
  row,
  top,
  view,
  now,
  selected,
  onToggle,
  onSelect,
}: SpanRowProps) {
  const { span, depth, childCount, collapsed } = row;
  const [op, subject] = splitName(span.name);
  const open = span.endTime === null;
  const error = span.status.code === 'error';
  const bar = barGeometry(span, view, now);
  const duration = formatSpanDuration(spanDurationMs(span, now));
  // The duration goes right of the bar, else inside a wide bar, else left of it.
  const label: 'right' | 'inside' | 'left' =
    !bar || bar.left + bar.width < 82 ? 'right' : bar.width > 14 ? 'inside' : 'left';

  return (
    <div
      role="row"
      tabIndex={0}
      aria-selected={selected}
      aria-expanded={childCount ? !collapsed : undefined}
      className={cn(
        'group absolute inset-x-0 flex cursor-pointer items-stretch border-b border-border/40 text-xs outline-none hover:bg-muted/50 focus-visible:bg-muted/60',
        selected && 'bg-primary/[0.07] hover:bg-primary/10',
      )}
      style={{ top, height: ROW_HEIGHT }}
      onClick={() => onSelect(span.spanId)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(span.spanId);
        } else if (
          (e.key === 'ArrowLeft' && childCount && !collapsed) ||
          (e.key === 'ArrowRight' && collapsed)
        ) {
          e.preventDefault();
          onToggle(span.spanId);
        }
      }}
      data-testid="waterfall-row"
      data-span-id={span.spanId}
      data-parent-span-id={span.parentSpanId ?? undefined}
      data-kind={span.kind}
      data-depth={depth}
      data-name={span.name}
      data-status={span.status.code}
      data-open={open ? 'true' : undefined}
      data-collapsed={collapsed ? 'true' : undefined}
    >
      <div
        className={cn(
          'relative flex shrink-0 items-center gap-1 border-r pr-2',
          NAME_COLUMN,
          selected && 'shadow-[inset_2px_0_0_var(--color-primary)]',
        )}
        style={{ paddingLeft: 6 + depth * INDENT }}
      >
        {/* Indent guides. */}
        {Array.from({ length: depth }, (_, i) => (
          <span
            key={i}
            className="absolute inset-y-0 w-px bg-border/70"
            style={{ left: 13 + i * INDENT }}
          />
        ))}
        {childCount > 0 ? (
          <button
            type="button"
            className="relative z-10 flex size-4 shrink-0 items-center justify-center rounded text-muted-foreground hover:bg-muted hover:text-foreground"
            onClick={(e) => {
              e.stopPropagation();
              onToggle(span.spanId);
            }}
            aria-label={collapsed ? `Expand ${span.name}` : `Collapse ${span.name}`}
            data-testid="waterfall-toggle"
          >
            <ChevronRightIcon
              className={cn('size-3.5 transition-transform', !collapsed && 'rotate-90')}
            />
          </button>
        ) : (
          <span className="size-4 shrink-0" />
        )}
        <span className={cn('size-2 shrink-0 rounded-[2px]', barClass(span))} />
        <span className="min-w-0 truncate" title={span.name}>
          <span className={cn('text-[11px] text-muted-foreground', error && 'text-status-failed')}>
            {shortOp(op)}
          </span>{' '}
          <span className={cn('font-medium', error && 'text-status-failed')}>{subject}</span>
        </span>
        {collapsed && (
          <span className="shrink-0 rounded bg-muted px-1 text-[10px] text-muted-foreground tabular">
            +{childCount}
          </span>
        )}
      </div>
      <div className="relative min-w-0 flex-1">
        {bar && (
          <div
            className={cn(
              'absolute top-1/2 h-3.5 min-w-[2px] -translate-y-1/2 rounded-[3px] shadow-[inset_0_0_0_1px_rgb(0_0_0/0.08)]',
              barClass(span),
              span.kind === 'turn' && !error && 'opacity-90',
              bar.clippedLeft && 'rounded-l-none',
              bar.clippedRight && 'rounded-r-none',
              selected && 'ring-2 ring-primary/40 ring-offset-1',
            )}
            style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
          >
            {open && !bar.clippedRight && (
              <span
                className="absolute inset-y-0 right-0 w-3 animate-pulse rounded-r-[3px] bg-gradient-to-r from-transparent to-white/70"
                data-testid="waterfall-open-edge"
              />
            )}
          </div>
        )}
        {bar && (
          <span
            className={cn(
              'pointer-events-none absolute top-1/2 -translate-y-1/2 px-1.5 text-[11px] whitespace-nowrap text-muted-foreground tabular',
              error && 'text-status-failed',
              label === 'inside' && 'font-medium text-white',
              label === 'inside' && span.kind === 'turn' && !error && 'text-sky-950',
            )}
            style={
              label === 'right'
                ? { left: `${bar.left + bar.width}%` }
                : label === 'inside'
                  ? { right: `${100 - bar.left - bar.width}%` }
                  : { right: `${100 - bar.left}%` }
            }
          >
            {duration}
            {open ? '…' : ''}
          </span>
        )}
      </div>
    </div>
  );
});
