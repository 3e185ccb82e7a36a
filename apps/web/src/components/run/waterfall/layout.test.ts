import type { DerivedSpan, DerivedSpanKind } from '@flightdeck/telemetry/spans';
import { describe, expect, it } from 'vitest';
import {
  axisTicks,
  barGeometry,
  clampWindow,
  formatSpanDuration,
  orderSpans,
  selectWindow,
  traceBounds,
  zoomWindow,
} from './layout';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

let seq = 0;
function span(
  spanId: string,
  parentSpanId: string | null,
  kind: DerivedSpanKind,
  start: number,
  end: number | null,
): DerivedSpan {
  seq++;
  return {
    traceId: 't',
    spanId,
    parentSpanId,
    name: `${kind} ${spanId}`,
    kind,
    spanKind: 'internal',
    runId: 'r',
    agentId: parentSpanId ? 'a' : null,
    startTime: iso(start),
    endTime: end === null ? null : iso(end),
    startSeq: seq,
    endSeq: end === null ? null : seq + 100,
    status: { code: 'unset' },
    attributes: {},
    events: [],
  };
}

// run → lead → (turn1 → llm1, delegate → mid → turn → llm), turn2; given out of order.
const spans = [
  span('turn2', 'lead', 'turn', 900, 1000),
  span('mid-llm', 'mid-turn', 'llm', 420, 500),
  span('run', null, 'run', 0, null),
  span('delegate', 'turn1', 'tool', 300, 800),
  span('lead', 'run', 'agent', 10, null),
  span('llm1', 'turn1', 'llm', 110, 290),
  span('turn1', 'lead', 'turn', 100, 850),
  span('mid', 'delegate', 'agent', 400, 780),
  span('mid-turn', 'mid', 'turn', 410, 700),
];

describe('orderSpans', () => {
  it('lays the spans out depth-first, children by start time, with their depth', () => {
    const rows = orderSpans(spans);
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.span.spanId}`)).toEqual([
      'run',
      '  lead',
      '    turn1',
      '      llm1',
      '      delegate',
      '        mid',
      '          mid-turn',
      '            mid-llm',
      '    turn2',
    ]);
    expect(rows.find((r) => r.span.spanId === 'turn1')?.childCount).toBe(2);
  });

  it('hides the subtree of a collapsed span, and keeps the span itself', () => {
    const rows = orderSpans(spans, (s) => s.spanId === 'delegate');
    expect(rows.map((r) => r.span.spanId)).toEqual([
      'run',
      'lead',
      'turn1',
      'llm1',
      'delegate',
      'turn2',
    ]);
    expect(rows.find((r) => r.span.spanId === 'delegate')?.collapsed).toBe(true);
    // A leaf cannot be collapsed.
    expect(orderSpans(spans, () => true).map((r) => r.span.spanId)).toEqual(['run']);
    expect(orderSpans(spans, (s) => s.kind === 'llm').every((r) => !r.collapsed)).toBe(true);
  });

  it('shows a span with an unknown parent as a root instead of dropping it', () => {
    const rows = orderSpans([
      span('orphan', 'nowhere', 'tool', 5, 6),
      span('root', null, 'run', 0, 10),
    ]);
    expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ['root', 0],
      ['orphan', 0],
    ]);
  });
});

describe('time window', () => {
  const bounds = { start: T0, end: T0 + 1000 };

  it('spans the trace, open spans ending now', () => {
    expect(traceBounds(spans, T0 + 1500)).toEqual({ start: T0, end: T0 + 1500 });
    expect(traceBounds([], T0)).toBeNull();
  });

  it('zooms around an anchor and stays inside the trace', () => {
    expect(zoomWindow(bounds, bounds, 0.5)).toEqual({ start: T0 + 250, end: T0 + 750 });
    expect(zoomWindow(bounds, bounds, 0.5, 0)).toEqual({ start: T0, end: T0 + 500 });
    expect(zoomWindow({ start: T0 + 250, end: T0 + 750 }, bounds, 4)).toEqual(bounds);
    expect(
      zoomWindow(bounds, bounds, 0.000001).end - zoomWindow(bounds, bounds, 0.000001).start,
    ).toBe(10);
    expect(clampWindow({ start: T0 + 900, end: T0 + 1200 }, bounds)).toEqual({
      start: T0 + 700,
      end: T0 + 1000,
    });
  });

  it('selects a range dragged in either direction', () => {
    expect(selectWindow(bounds, bounds, 0.6, 0.2)).toEqual({ start: T0 + 200, end: T0 + 600 });
  });

  it('places and clips bars', () => {
    const view = { start: T0 + 200, end: T0 + 600 };
    expect(
      barGeometry(
        spans.find((s) => s.spanId === 'delegate')!,
        view,
        T0,
      ),
    ).toEqual({ left: 25, width: 75, clippedLeft: false, clippedRight: true });
    expect(
      barGeometry(
        spans.find((s) => s.spanId === 'turn2')!,
        view,
        T0,
      ),
    ).toBeNull();
    // An open span runs to now.
    expect(
      barGeometry(
        spans.find((s) => s.spanId === 'run')!,
        bounds,
        T0 + 500,
      ),
    ).toMatchObject({ left: 0, width: 50 });
  });

  it('puts ticks on round offsets from the trace start', () => {
    expect(axisTicks(bounds, T0).map((t) => t.offsetMs)).toEqual([0, 200, 400, 600, 800, 1000]);
    const ticks = axisTicks({ start: T0 + 130, end: T0 + 370 }, T0);
    expect(ticks.map((t) => t.offsetMs)).toEqual([150, 200, 250, 300, 350]);
    expect(ticks[0]!.fraction).toBeCloseTo(20 / 240);
  });

  it('formats durations', () => {
    expect([0, 350, 1250, 12_340, 125_000].map(formatSpanDuration)).toEqual([
      '0',
      '350ms',
      '1.25s',
      '12.3s',
      '2m 05s',
    ]);
  });
});
