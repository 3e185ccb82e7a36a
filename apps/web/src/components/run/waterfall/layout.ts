import type { DerivedSpan } from '@flightdeck/telemetry/spans';

/**
 * The trace waterfall's pure layout: span tree order, collapsing, the time
 * window (zoom) and the axis ticks. No React, no DOM — unit-tested.
 */

export interface WaterfallRow {
  span: DerivedSpan;
  depth: number;
  /** Direct children (whether or not they are shown). */
  childCount: number;
  collapsed: boolean;
}

/** A time window, in epoch milliseconds. */
export interface TimeWindow {
  start: number;
  end: number;
}

const byStart = (a: DerivedSpan, b: DerivedSpan) =>
  Date.parse(a.startTime) - Date.parse(b.startTime) || a.startSeq - b.startSeq;

/**
 * The spans in tree order (depth-first, children by start), skipping the
 * subtrees of collapsed spans. A span whose parent is unknown (not derived
 * yet, or outside the log) is shown as a root rather than dropped.
 */
export function orderSpans(
  spans: readonly DerivedSpan[],
  isCollapsed: (span: DerivedSpan) => boolean = () => false,
): WaterfallRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, DerivedSpan[]>();
  for (const span of spans) {
    const parent =
      span.parentSpanId !== null && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId
        ? span.parentSpanId
        : null;
    const list = children.get(parent);
    if (list) list.push(span);
    else children.set(parent, [span]);
  }
  for (const list of children.values()) list.sort(byStart);

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const stack: Array<{ span: DerivedSpan; depth: number }> = [...(children.get(null) ?? [])]
    .reverse()
    .map((span) => ({ span, depth: 0 }));
  while (stack.length) {
    const { span, depth } = stack.pop()!;
    if (seen.has(span.spanId)) continue; // a cycle in a corrupt log must not hang the page
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    const collapsed = kids.length > 0 && isCollapsed(span);
    rows.push({ span, depth, childCount: kids.length, collapsed });
    if (!collapsed)
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: depth + 1 });
  }
  return rows;
}

/** The whole trace: the earliest start to the latest end (open spans end at `now`). */
export function traceBounds(spans: readonly DerivedSpan[], now: number): TimeWindow | null {
  if (!spans.length) return null;
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    const a = Date.parse(s.startTime);
    const b = s.endTime ? Date.parse(s.endTime) : Math.max(now, a);
    if (a < start) start = a;
    if (b > end) end = b;
  }
  // A trace that has only just started still gets a visible axis.
  return { start, end: Math.max(end, start + 1) };
}

/** The smallest window a zoom may reach. */
export const MIN_WINDOW_MS = 10;

/** Keep a window inside the bounds, no narrower than MIN_WINDOW_MS (or the bounds). */
export function clampWindow(view: TimeWindow, bounds: TimeWindow): TimeWindow {
  const total = bounds.end - bounds.start;
  const width = Math.min(total, Math.max(MIN_WINDOW_MS, view.end - view.start));
  let start = Math.max(bounds.start, Math.min(view.start, bounds.end - width));
  if (!Number.isFinite(start)) start = bounds.start;
  return { start, end: start + width };
}

/**
 * Zoom by `factor` (< 1 in, > 1 out) around the point at `anchor` (0…1 across
 * the window), keeping that point where it is.
 */
export function zoomWindow(
  view: TimeWindow,
  bounds: TimeWindow,
  factor: number,
  anchor = 0.5,
): TimeWindow {
  const width = (view.end - view.start) * factor;
  const pivot = view.start + (view.end - view.start) * anchor;
  return clampWindow(
    { start: pivot - width * anchor, end: pivot - width * anchor + width },
    bounds,
  );
}

/** The window between two fractions (0…1, either order) of the current one. */
export function selectWindow(
  view: TimeWindow,
  bounds: TimeWindow,
  from: number,
  to: number,
): TimeWindow {
  const [a, b] = from <= to ? [from, to] : [to, from];
  const width = view.end - view.start;
  return clampWindow(
    { start: view.start + width * Math.max(0, a), end: view.start + width * Math.min(1, b) },
    bounds,
  );
}

/** Whether a window shows the whole trace. */
export function isWholeTrace(view: TimeWindow, bounds: TimeWindow): boolean {
  return view.start <= bounds.start && view.end >= bounds.end;
}

/**
 * Where a span's bar goes, in percent of the window, clipped to it; null when
 * the span lies entirely outside.
 */
export function barGeometry(
  span: DerivedSpan,
  view: TimeWindow,
  now: number,
): { left: number; width: number; clippedLeft: boolean; clippedRight: boolean } | null {
  const a = Date.parse(span.startTime);
  const b = span.endTime ? Date.parse(span.endTime) : Math.max(now, a);
  const width = view.end - view.start;
  if (b < view.start || a > view.end || width <= 0) return null;
  const left = ((Math.max(a, view.start) - view.start) / width) * 100;
  const right = ((Math.min(b, view.end) - view.start) / width) * 100;
  return {
    left,
    width: Math.max(0, right - left),
    clippedLeft: a < view.start,
    clippedRight: b > view.end,
  };
}

const STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000,
  120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
];

/** Axis ticks: offsets from the trace start (ms) at a round step, about `target` of them across the window. */
export function axisTicks(
  view: TimeWindow,
  origin: number,
  target = 6,
): Array<{ offsetMs: number; fraction: number }> {
  const width = view.end - view.start;
  if (width <= 0) return [];
  const step =
    STEPS.find((s) => width / s <= target) ?? Math.ceil(width / target / 3_600_000) * 3_600_000;
  const ticks: Array<{ offsetMs: number; fraction: number }> = [];
  const first = Math.ceil((view.start - origin) / step) * step;
  for (let offset = first; origin + offset <= view.end; offset += step) {
    ticks.push({ offsetMs: offset, fraction: (origin + offset - view.start) / width });
  }
  return ticks;
}

/** A duration for the axis and the rows: "0", "350ms", "1.25s", "2m 05s". */
export function formatSpanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms === 0) return '0';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2).replace(/\.?0+$/, '')}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return m < 60
    ? `${m}m ${String(s).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A span's duration so far. */
export function spanDurationMs(span: DerivedSpan, now: number): number {
  const a = Date.parse(span.startTime);
  return (span.endTime ? Date.parse(span.endTime) : Math.max(now, a)) - a;
}
