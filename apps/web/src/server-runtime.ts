/**
 * The bridge between the custom server (server/main.ts) and Next's route
 * handlers, which run in the same process. The server registers its runtime on
 * globalThis at boot; route handlers look it up. Nothing here imports server
 * code, so Next never bundles the engine, Prisma or ioredis.
 */
export interface WebRuntime {
  /** Serve one tRPC HTTP request (fetch API). */
  handleTrpc(request: Request): Promise<Response>;
}

const KEY = Symbol.for('flightdeck.web.runtime');

type Registry = typeof globalThis & { [KEY]?: WebRuntime };

export function registerRuntime(runtime: WebRuntime | undefined): void {
  (globalThis as Registry)[KEY] = runtime;
}

export function getRuntime(): WebRuntime | undefined {
  return (globalThis as Registry)[KEY];
}
