'use client';

import type { RunEvent } from '@flightdeck/domain';
import { type DerivedSpan, SpanDeriver } from '@flightdeck/telemetry/spans';
import { useMemo, useRef } from 'react';

interface DeriverState {
  events: readonly RunEvent[];
  deriver: SpanDeriver;
  applied: number;
}

/**
 * The run's spans, derived incrementally: the log is append-only, so each
 * update applies only the events that arrived since the last one. A new log
 * (another run, a reset feed) starts over. Content is captured — it stays in
 * this tab, nothing is exported — so the details show tool arguments and output.
 */
export function useSpans(events: readonly RunEvent[], count: number): DerivedSpan[] {
  const state = useRef<DeriverState | null>(null);
  return useMemo(() => {
    let s = state.current;
    if (!s || s.events !== events || s.applied > count) {
      s = {
        events,
        deriver: new SpanDeriver({ captureContent: true, maxContentLength: 2000 }),
        applied: 0,
      };
      state.current = s;
    }
    for (let i = s.applied; i < count; i++) {
      const event = events[i];
      if (event) s.deriver.apply(event);
    }
    s.applied = count;
    return s.deriver.spans();
  }, [events, count]);
}
