'use client';

import {
  parseRunState,
  type ReplayIndex,
  type RunEvent,
  RunEventsMessage,
  type RunState,
} from '@flightdeck/domain';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { z } from 'zod';
import { RunFeed, RunWindow } from './run-feed';
import { useSocket } from './socket';
import { useTRPCClient } from './trpc';

/** A long log is read over HTTP in pages this big before the socket follows it live. */
const HISTORY_PAGE = 10_000;

const WATCH_TIMEOUT_MS = 15_000;

/** The newest events that come with the server's state of the run, for the first screen. */
const FIRST_SCREEN_TAIL = 200;
/**
 * A run this long opens on the server's state and its newest events, and its
 * whole log is read only when something needs it (replay, the trace, the
 * workspace history): a page holds what it shows. A shorter one is read whole at once.
 */
export const WINDOWED_FROM_EVENTS = 5_000;
/** The newest events a page keeps of a run it has not read whole. */
const WINDOW_EVENTS = 2_000;

/** The watch ack, parsed like every other server message (events are validated one by one). */
const WatchAck = z.union([
  z.object({
    ok: z.literal(true),
    events: z.array(z.unknown()),
    lastSeq: z.number().int().nonnegative(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
const RETRY_MS = 2_000;

/** A run not read whole (see WINDOWED_FROM_EVENTS): its state now and its newest events. */
export interface RunWindowView {
  seq: number;
  state: RunState;
  /** The newest events up to `seq`, in seq order. */
  tail: readonly RunEvent[];
  /** Whether the whole log was asked for (`readLog`) and is being read. */
  reading: boolean;
}

const StateAnswer = z.object({
  seq: z.number().int().nonnegative(),
  state: z.unknown(),
  tail: z.array(z.unknown()),
});

/** The server's answer as a window on the run, or null when it is not a valid one (the log is read instead). */
function parseStateAnswer(raw: unknown, runId: string): RunWindow | null {
  const answer = StateAnswer.safeParse(raw);
  if (!answer.success) return null;
  const state = parseRunState(answer.data.state, runId, answer.data.seq);
  const tail = RunFeed.parse(answer.data.tail);
  const contiguous = tail.every((e, i) => i === 0 || e.seq === tail[i - 1]!.seq + 1);
  if (!state || tail.length < answer.data.tail.length || !contiguous) return null;
  if (tail.length > 0 && tail.at(-1)!.seq !== answer.data.seq) return null;
  return new RunWindow({ seq: answer.data.seq, state, tail }, WINDOW_EVENTS);
}

export interface RunEventsView {
  /** The log so far, in seq order (mutable array, append-only: read `count`, not `.length` of a stale copy). */
  events: readonly RunEvent[];
  count: number;
  state: RunState;
  /** The reducer's states, checkpointed: the state at any seq (replay). */
  index: ReplayIndex;
  lastSeq: number;
  /** Whether the whole log is in and watched live. */
  loaded: boolean;
  /** Until then, for a long run: its state and newest events, live. */
  window: RunWindowView | null;
  /** Read the whole log (a long run opened on its window). */
  readLog: () => void;
  /** Catching up (a gap-fill is in flight). */
  syncing: boolean;
  /** Fatal for this view (no such run) or a reducer inconsistency. */
  error: string | null;
}

class RunEventsStore {
  readonly feed = new RunFeed();
  /** A long run, until its whole log is read. */
  window: RunWindow | null = null;
  /** The whole log was asked for (or the run is short). */
  logWanted = false;
  private listeners = new Set<() => void>();
  private snapshot: RunEventsView;
  private frame: number | null = null;
  loaded = false;
  syncing = false;
  error: string | null = null;
  /** Set by the hook's effect: starts reading the log. */
  onLogWanted: (() => void) | null = null;

  constructor() {
    this.snapshot = this.build();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  readLog = () => {
    if (this.logWanted) return;
    this.logWanted = true;
    this.notify();
    this.onLogWanted?.();
  };

  /** Coalesce bursts: at most one React update per animation frame. */
  notify(): void {
    if (this.frame !== null) return;
    const flush = () => {
      this.frame = null;
      this.snapshot = this.build();
      for (const l of this.listeners) l();
    };
    this.frame =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame(flush)
        : (setTimeout(flush, 16) as unknown as number);
  }

  dispose(): void {
    if (this.frame !== null && typeof cancelAnimationFrame === 'function')
      cancelAnimationFrame(this.frame);
    this.listeners.clear();
  }

  private build(): RunEventsView {
    const f = this.feed;
    const w = this.window; // dropped once the whole log is in (`loaded`)
    const reducerError = w?.reducerError ?? f.reducerError;
    return {
      events: f.events,
      count: f.events.length,
      state: f.state,
      index: f.index,
      lastSeq: f.lastSeq,
      loaded: this.loaded,
      window: w && {
        seq: w.lastSeq,
        state: w.state,
        tail: w.events.slice(),
        reading: this.logWanted,
      },
      readLog: this.readLog,
      syncing: this.syncing,
      error:
        this.error ??
        (reducerError ? `The run's log could not be replayed: ${reducerError}` : null),
    };
  }
}

/**
 * Live events of one run: the watch ack fills the log from PostgreSQL, live
 * `run.events` extend it, and any hole (a missed message, a reconnect) is
 * filled by watching again from `lastSeq`. Nothing lost, nothing doubled.
 *
 * With `windowed`, a long run opens on the server's state and newest events
 * (`window`), followed live the same way; its whole log is read on `readLog`.
 */
export function useRunEvents(runId: string, options: { windowed: boolean }): RunEventsView {
  const [windowed] = useState(options.windowed);
  const { socket } = useSocket();
  const client = useTRPCClient();
  const storeRef = useRef<{ runId: string; store: RunEventsStore; opening: Promise<void> } | null>(
    null,
  );
  if (storeRef.current?.runId !== runId) {
    // First the run's state, asked for at once (before the page is even mounted): a long run is
    // shown on it; a short one, or no answer, and the whole log is read.
    const store = new RunEventsStore();
    const opening = windowed
      ? client.runs.state.query({ runId, tail: FIRST_SCREEN_TAIL }).then(
          (answer) => {
            const window = parseStateAnswer(answer, runId);
            if (window && window.lastSeq >= WINDOWED_FROM_EVENTS) {
              store.window = window;
              store.notify();
            } else store.logWanted = true;
          },
          () => {
            store.logWanted = true;
          },
        )
      : Promise.resolve().then(() => {
          store.logWanted = true;
        });
    storeRef.current = { runId, store, opening };
  }
  const opened = storeRef.current;
  const store = opened.store;

  useEffect(() => {
    if (!socket) return;
    const feed = store.feed;
    let disposed = false;
    let inFlight = false;
    let again = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    /** What the socket follows: the window until the whole log is wanted, then the log. */
    const following = () => (store.logWanted || !store.window ? feed : store.window);

    // The log so far, in big HTTP pages (a socket ack carries a few thousand events at most).
    let history: Promise<void> | null = null;
    const loadHistory = async (): Promise<void> => {
      const started = performance.now();
      const fetchPage = (afterSeq: number) => {
        const request = client.runs.events.query({ runId, afterSeq, limit: HISTORY_PAGE });
        request.catch(() => undefined); // awaited below; not unhandled if the page goes first
        return request;
      };
      // One page ahead: the next is on its way while this one is parsed and reduced.
      let next = fetchPage(feed.lastSeq);
      for (;;) {
        const page = await next;
        if (disposed) return;
        const more = page.nextAfterSeq !== null && page.events.length > 0;
        if (more) next = fetchPage(page.nextAfterSeq!);
        const events = RunFeed.parse(page.events);
        if (events.length < page.events.length) return; // the socket path reports invalid events
        feed.ingest(events);
        store.notify();
        if (!more) break;
      }
      // For the replay benchmark (User Timing): how long the log took to load.
      performance.measure('flightdeck:history-loaded', { start: started, end: performance.now() });
    };

    const watch = async (): Promise<void> => {
      if (disposed) return;
      if (inFlight) {
        again = true;
        return;
      }
      if (!socket.connected) return; // the 'connect' handler watches again
      inFlight = true;
      store.syncing = true;
      store.notify();
      try {
        await opened.opening;
        const target = following();
        if (target === feed) {
          // Failing history (no such run, no access) is left to the watch to report.
          history ??= loadHistory().catch(() => undefined);
          await history;
        }
        if (disposed) return;
        const raw: unknown = await socket
          .timeout(WATCH_TIMEOUT_MS)
          .emitWithAck('run.watch', { runId, afterSeq: target.lastSeq });
        if (disposed) return;
        const parsedAck = WatchAck.safeParse(raw);
        const ack = parsedAck.success
          ? parsedAck.data
          : { ok: false as const, error: 'malformed watch reply' };
        if (!ack.ok) {
          if (ack.error === 'no such run') {
            store.error = 'This run does not exist.';
          } else {
            retry = setTimeout(() => void watch(), RETRY_MS);
          }
        } else {
          const events = RunFeed.parse(ack.events);
          const invalid = ack.events.length - events.length;
          store.window?.ingest(events);
          if (target === feed) {
            feed.ingest(events);
            store.loaded = true;
            store.window = null;
          }
          if (invalid > 0) {
            // Asking again would return the same events: say so instead of looping.
            feed.invalidCount += invalid;
            store.error = `${invalid} event(s) from the server failed validation; this view stops at seq ${target.lastSeq}.`;
          } else {
            store.error = null;
            // More than one ack's worth behind, still holding events past a hole, or the whole
            // log was asked for meanwhile: ask again.
            if ((ack.lastSeq > target.lastSeq && events.length > 0) || target.hasGap) again = true;
            if (following() !== target) again = true;
          }
        }
      } catch {
        // Timed out or disconnected mid-flight: try again (on reconnect if need be).
        if (!disposed) retry = setTimeout(() => void watch(), RETRY_MS);
      } finally {
        inFlight = false;
        store.syncing = again;
        store.notify();
        if (again && !disposed) {
          again = false;
          void watch();
        }
      }
    };

    const onEvents = (message: unknown) => {
      const parsed = RunEventsMessage.safeParse(message);
      if (!parsed.success) {
        // Could be ours and malformed: re-read from the log instead of guessing.
        if ((message as { runId?: unknown } | null)?.runId === runId) void watch();
        return;
      }
      if (parsed.data.runId !== runId) return;
      const target = following();
      let applied = store.window?.ingest(parsed.data.events) ?? 0;
      if (target === feed) applied = feed.ingest(parsed.data.events);
      if (target.hasGap && feed.invalidCount === 0) void watch();
      if (applied > 0) store.notify();
    };

    const onConnect = () => void watch();

    store.onLogWanted = () => void watch();
    socket.on('run.events', onEvents);
    socket.on('connect', onConnect);
    if (socket.connected) void watch();

    return () => {
      disposed = true;
      store.onLogWanted = null;
      if (retry) clearTimeout(retry);
      socket.off('run.events', onEvents);
      socket.off('connect', onConnect);
      if (socket.connected) socket.emit('run.unwatch', { runId }, () => undefined);
    };
  }, [socket, client, runId, store, opened]);

  useEffect(() => () => store.dispose(), [store]);

  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
