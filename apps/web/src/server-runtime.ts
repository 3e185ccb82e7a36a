/**
 * The bridge between the custom server (server/main.ts) and Next's route
 * handlers, which run in the same process. The server registers its runtime on
 * globalThis at boot; route handlers look it up. Nothing here imports server
 * code, so Next never bundles the engine, Prisma or ioredis.
 */
export interface WebRuntime {
  /** Serve one tRPC HTTP request (fetch API). */
  handleTrpc(request: Request): Promise<Response>;
  /** Who a page request comes from (null: nobody signed in), resolved like every API call. */
  viewer(headers: Headers): Promise<SessionView | null>;
}

/** What the browser knows about the signed-in principal (the same shape as `account.me`). */
export interface SessionView {
  actor: { kind: 'user' | 'system' | 'token'; id: string };
  roles: ('viewer' | 'operator' | 'approver' | 'admin')[];
  teams: 'all' | string[];
}

const KEY = Symbol.for('flightdeck.web.runtime');

type Registry = typeof globalThis & { [KEY]?: WebRuntime };

export function registerRuntime(runtime: WebRuntime | undefined): void {
  (globalThis as Registry)[KEY] = runtime;
}

export function getRuntime(): WebRuntime | undefined {
  return (globalThis as Registry)[KEY];
}
