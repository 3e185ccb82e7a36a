import type { ClientToServerEvents, Permission } from '@flightdeck/domain';

/**
 * What each socket event requires, checked on the server for every message
 * (the handshake already requires a session or token). The realtime tests
 * check every event against this table and fail on one missing from it.
 */
export const SOCKET_EVENT_PERMISSIONS: Readonly<Record<keyof ClientToServerEvents, Permission>> = {
  'run.watch': 'fleet.read',
  'run.unwatch': 'fleet.read',
  'fleet.watch': 'fleet.read',
  'approvals.watch': 'fleet.read',
};

/** Messages one socket may send per window; past it they are refused, far past it the socket is cut. */
export const SOCKET_MESSAGE_LIMIT = { limit: 40, windowMs: 10_000, disconnectAfter: 120 } as const;

/** A fixed-window counter of one socket's messages. */
export class MessageBudget {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a message: `ok`, `refuse` past the limit, `cut` far past it. */
  hit(disconnectAfter: number): 'ok' | 'refuse' | 'cut' {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    if (this.count > disconnectAfter) return 'cut';
    return this.count > this.limit ? 'refuse' : 'ok';
  }
}
