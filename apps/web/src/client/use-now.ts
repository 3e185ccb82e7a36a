'use client';

import { useEffect, useState } from 'react';

/**
 * The current time, re-read every `intervalMs`. Starts at 0 on the server and
 * the first client render (no hydration mismatch), then ticks.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(0);
  useEffect(() => {
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
