import type { Principal } from '@flightdeck/domain';
import type { Engine } from '@flightdeck/engine';
import { toTRPCError } from './errors';

/**
 * Who is calling, resolved on the server for every request from the session
 * cookie or an `Authorization: Bearer` API token (see the web server's
 * `authenticate`), never from anything the client declares.
 */
export interface Context {
  engine: Engine;
  viewer: Principal | null;
}

/** Resolves the caller from a request's headers; null when nobody valid is signed in. */
export type Authenticate = (headers: Headers) => Promise<Principal | null>;

export interface CreateContextOptions {
  engine: Engine;
  /** The incoming request's headers. */
  headers: Headers;
  authenticate: Authenticate;
}

/** The context of one HTTP request: the principal is looked up afresh (no cache: revocation is immediate). */
export async function createContext({
  engine,
  headers,
  authenticate,
}: CreateContextOptions): Promise<Context> {
  try {
    return { engine, viewer: await authenticate(headers) };
  } catch (error) {
    // Who is calling is looked up in the database: while it is down, every request is a 503.
    throw toTRPCError(error);
  }
}

/** A context for in-process callers (tests, scripts) acting as a given principal. */
export function contextFor(engine: Engine, viewer: Principal | null): Context {
  return { engine, viewer };
}

/** An admin on every team, for in-process callers only (tests, scripts); HTTP never uses it. */
export const LOCAL_OPERATOR: Principal = {
  actor: { kind: 'user', id: 'operator' },
  roles: ['admin'],
  teams: 'all',
};
