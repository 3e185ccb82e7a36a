import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { can, type Principal, Role } from '@flightdeck/domain';
import { createEngine, type Engine, ensureDemoTeams } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_MATRIX } from './access-matrix';
import { contextFor, createCaller } from './index';
import { appRouter } from './routers/_app';

/**
 * Generated from the router: every procedure is called with no session and with
 * each role, and the outcome (refused or let through) must match ACCESS_MATRIX.
 * A call let through may still fail on its (empty) input: that is not a refusal.
 */

let database: TestDatabase;
let engine: Engine;
let prefix: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_access_matrix');
  prefix = uniqueRedisPrefix('api-access-matrix');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-matrix-')),
  });
  await ensureDemoTeams(engine);
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

const procedurePaths = Object.keys(appRouter._def.procedures).sort();

type Outcome = 'unauthorized' | 'forbidden' | 'allowed';

async function outcomeOf(viewer: Principal | null, procedurePath: string): Promise<Outcome> {
  const caller = createCaller(contextFor(engine, viewer)) as unknown as Record<string, unknown>;
  const fn = procedurePath
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    await (fn as (input: unknown) => Promise<unknown>)(undefined);
    return 'allowed';
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    if (error.code === 'UNAUTHORIZED') return 'unauthorized';
    // A domain rule (e.g. "invalid setup link") is not a role refusal.
    if (error.code === 'FORBIDDEN' && /role does not allow/.test(error.message)) return 'forbidden';
    return 'allowed';
  }
}

const principal = (role: Role): Principal => ({
  actor: { kind: 'user', id: `${role}@example.test` },
  roles: [role],
  teams: 'all',
});

describe('the role matrix', () => {
  it('declares every procedure, and nothing else', () => {
    const undeclared = procedurePaths.filter((p) => !(p in ACCESS_MATRIX));
    const stale = Object.keys(ACCESS_MATRIX).filter((p) => !procedurePaths.includes(p));
    expect(undeclared, 'procedures with no entry in ACCESS_MATRIX').toEqual([]);
    expect(stale, 'ACCESS_MATRIX entries with no procedure').toEqual([]);
    expect(procedurePaths.length).toBeGreaterThan(30);
  });

  it('holds for every procedure, with no session and with each role: 0 mismatches', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const procedurePath of procedurePaths) {
      const required = ACCESS_MATRIX[procedurePath];
      if (!required) continue;
      const cases: [string, Principal | null, Outcome][] = [
        ['no session', null, required === 'public' ? 'allowed' : 'unauthorized'],
        ...Role.options.map((role): [string, Principal, Outcome] => [
          role,
          principal(role),
          required === 'public' || can(principal(role), required) ? 'allowed' : 'forbidden',
        ]),
      ];
      for (const [label, viewer, expected] of cases) {
        const actual = await outcomeOf(viewer, procedurePath);
        checked += 1;
        if (actual !== expected)
          mismatches.push(`${procedurePath} as ${label}: expected ${expected}, got ${actual}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(procedurePaths.length * (Role.options.length + 1));
  });

  it('would catch a procedure that checks the wrong role', async () => {
    // runs.kill is operator-only: the approver must be refused, the operator let through.
    expect(await outcomeOf(principal('approver'), 'runs.kill')).toBe('forbidden');
    expect(await outcomeOf(principal('operator'), 'runs.kill')).toBe('allowed');
    expect(await outcomeOf(principal('viewer'), 'users.invite')).toBe('forbidden');
  });
});
