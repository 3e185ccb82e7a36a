'use client';

import { RunSummary } from '@flightdeck/domain';
import { useEffect, useRef } from 'react';
import { useSocket } from './socket';

/**
 * Live run summaries for the fleet: joins the fleet room on every (re)connect
 * and hands each parsed `fleet.run` to `onRun`. `onResync` runs after a
 * reconnect, when updates may have been missed and lists should be re-read.
 */
export function useFleetLive(onRun: (run: RunSummary) => void, onResync: () => void): void {
  const { socket } = useSocket();
  const handlers = useRef({ onRun, onResync });
  handlers.current = { onRun, onResync };

  useEffect(() => {
    if (!socket) return;
    let first = true;
    const join = () => {
      socket.emit('fleet.watch', {}, () => undefined);
      if (!first) handlers.current.onResync();
      first = false;
    };
    const onFleetRun = (message: unknown) => {
      const parsed = RunSummary.safeParse(message);
      if (parsed.success) handlers.current.onRun(parsed.data);
    };
    socket.on('fleet.run', onFleetRun);
    socket.on('connect', join);
    if (socket.connected) join();
    return () => {
      socket.off('fleet.run', onFleetRun);
      socket.off('connect', join);
    };
  }, [socket]);
}

/** Insert or replace a run in a list ordered newest first, keeping at most `limit`. */
export function upsertRun(
  list: readonly RunSummary[] | undefined,
  run: RunSummary,
  limit: number,
): RunSummary[] {
  const current = list ?? [];
  const index = current.findIndex((r) => r.id === run.id);
  if (index >= 0) {
    const prev = current[index];
    // Summaries only move forward; a late, older message must not roll a run back.
    if (prev && prev.lastSeq > run.lastSeq) return current as RunSummary[];
    const next = current.slice();
    next[index] = run;
    return next;
  }
  const next = [run, ...current];
  next.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return next.slice(0, limit);
}
