'use client';

import {
  parseRunState,
  type ReplayIndex,
  type RunEvent,
  RunEventsMessage,
  type RunState,
} from '@flightdeck/domain';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { z } from 'zod';
import { RunFeed } from './run-feed';
import { useSocket } from './socket';
import { useTRPCClient } from './trpc';

/** A long log is read over HTTP in pages this big before the socket follows it live. */
const HISTORY_PAGE = 10_000;

const WATCH_TIMEOUT_MS = 15_000;

/** The newest events that come with the server's state of the run, for the first screen. */
const FIRST_SCREEN_TAIL = 200;

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

/**
 * The run as the server has it now (its snapshot and the events since, see
 * `runs.state`): the first screen of a long run shows this while its log is
 * still being read.
 */
export interface RunPreview {
  seq: number;
  state: RunState;
  /** The newest events up to `seq`, in seq order. */
  tail: readonly RunEvent[];
}

const PreviewAnswer = z.object({
  seq: z.number().int().nonnegative(),
  state: z.unknown(),
  tail: z.array(z.unknown()),
});

/** The server's answer as a preview, or null when it is not a valid one (the log is read anyway). */
function parsePreview(raw: unknown, runId: string): RunPreview | null {
  const answer = PreviewAnswer.safeParse(raw);
  if (!answer.success) return null;
  const state = parseRunState(answer.data.state, runId, answer.data.seq);
  const tail = RunFeed.parse(answer.data.tail);
  const contiguous = tail.every((e, i) => i === 0 || e.seq === tail[i - 1]!.seq + 1);
  if (!state || tail.length < answer.data.tail.length || !contiguous) return null;
  if (tail.length > 0 && tail.at(-1)!.seq !== answer.data.seq) return null;
  return { seq: answer.data.seq, state, tail };
}

export interface RunEventsView {
  /** The log so far, in seq order (mutable array, append-only: read `count`, not `.length` of a stale copy). */
  events: readonly RunEvent[];
  count: number;
  state: RunState;
  /** The reducer's states, checkpointed: the state at any seq (replay). */
  index: ReplayIndex;
  lastSeq: number;
  /** Whether the first watch has answered. */
  loaded: boolean;
  /** Until then: the server's state of the run and its newest events, once they came. */
  preview: RunPreview | null;
  /** Catching up (a gap-fill is in flight). */
  syncing: boolean;
  /** Fatal for this view (no such run) or a reducer inconsistency. */
  error: string | null;
}

class RunEventsStore {
  readonly feed = new RunFeed();
  private listeners = new Set<() => void>();
  private snapshot: RunEventsView;
  private frame: number | null = null;
  loaded = false;
  preview: RunPreview | null = null;
  syncing = false;
  error: string | null = null;

  constructor() {
    this.snapshot = this.build();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

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
    return {
      events: f.events,
      count: f.events.length,
      state: f.state,
      index: f.index,
      lastSeq: f.lastSeq,
      loaded: this.loaded,
      preview: this.loaded ? null : this.preview,
      syncing: this.syncing,
      error:
        this.error ??
        (f.reducerError ? `The run's log could not be replayed: ${f.reducerError}` : null),
    };
  }
}

/**
 * Live events of one run: the watch ack fills the log from PostgreSQL, live
 * `run.events` extend it, and any hole (a missed message, a reconnect) is
 * filled by watching again from `lastSeq`. Nothing lost, nothing doubled.
 */
export function useRunEvents(runId: string): RunEventsView {
  const { socket } = useSocket();
  const client = useTRPCClient();
  const storeRef = useRef<{ runId: string; store: RunEventsStore } | null>(null);
  if (storeRef.current?.runId !== runId) storeRef.current = { runId, store: new RunEventsStore() };
  const store = storeRef.current.store;

  useEffect(() => {
    if (!socket) return;
    const feed = store.feed;
    let disposed = false;
    let inFlight = false;
    let again = false;
    let retry: ReturnType<typeof setTimeout> | null = null;

    // The first screen: the server's state of the run, while the whole log is read below.
    if (!store.loaded && !store.preview) {
      client.runs.state.query({ runId, tail: FIRST_SCREEN_TAIL }).then(
        (answer) => {
          if (disposed || store.loaded) return;
          store.preview = parsePreview(answer, runId);
          if (store.preview) store.notify();
        },
        () => undefined, // no preview: the page waits for the log
      );
    }

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
        // Failing history (no such run, no access) is left to the watch to report.
        history ??= loadHistory().catch(() => undefined);
        await history;
        if (disposed) return;
        const raw: unknown = await socket
          .timeout(WATCH_TIMEOUT_MS)
          .emitWithAck('run.watch', { runId, afterSeq: feed.lastSeq });
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
          feed.ingest(events);
          store.loaded = true;
          store.preview = null;
          if (invalid > 0) {
            // Asking again would return the same events: say so instead of looping.
            feed.invalidCount += invalid;
            store.error = `${invalid} event(s) from the server failed validation; this view stops at seq ${feed.lastSeq}.`;
          } else {
            store.error = null;
            // More than one ack's worth behind, or still holding events past a hole: ask again.
            if ((ack.lastSeq > feed.lastSeq && events.length > 0) || feed.hasGap) again = true;
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
      const applied = feed.ingest(parsed.data.events);
      if (feed.hasGap && feed.invalidCount === 0) void watch();
      if (applied > 0) store.notify();
    };

    const onConnect = () => void watch();

    socket.on('run.events', onEvents);
    socket.on('connect', onConnect);
    if (socket.connected) void watch();

    return () => {
      disposed = true;
      if (retry) clearTimeout(retry);
      socket.off('run.events', onEvents);
      socket.off('connect', onConnect);
      if (socket.connected) socket.emit('run.unwatch', { runId }, () => undefined);
    };
  }, [socket, client, runId, store]);

  useEffect(() => () => store.dispose(), [store]);

  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
