'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { useTRPC } from './trpc';
import { useFleetLive } from './use-fleet-live';

/** Fleet updates arrive per event; refresh the aggregates at most this often. */
const LIVE_THROTTLE_MS = 2_000;

/** Invalidates the costs queries on `fleet.run` updates, at most once per LIVE_THROTTLE_MS. */
export function useLiveCosts() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    last.current = Date.now();
    timer.current = null;
    void queryClient.invalidateQueries(trpc.costs.pathFilter());
  }, [queryClient, trpc]);
  const onUpdate = useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + LIVE_THROTTLE_MS - Date.now());
    timer.current = setTimeout(refresh, wait);
  }, [refresh]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useFleetLive(onUpdate, refresh);
}
