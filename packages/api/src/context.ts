import type { Actor } from '@flightdeck/domain';
import type { Engine } from '@flightdeck/engine';

/**
 * Who is calling. Accounts come later: for now every request is the local
 * operator. When auth lands, `createContext` resolves the session here and the
 * role checks in `trpc.ts` start to matter; procedures do not change.
 */
export type Role = 'viewer' | 'operator' | 'admin';

export interface Viewer {
  actor: Actor;
  role: Role;
}

export const LOCAL_OPERATOR: Viewer = { actor: { kind: 'user', id: 'operator' }, role: 'operator' };

export interface Context {
  engine: Engine;
  viewer: Viewer | null;
}

export interface CreateContextOptions {
  engine: Engine;
  /** The incoming request's headers (unused until auth arrives). */
  headers?: Headers;
}

export function createContext({ engine }: CreateContextOptions): Context {
  return { engine, viewer: LOCAL_OPERATOR };
}
