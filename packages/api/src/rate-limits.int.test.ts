import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import type { Principal } from '@flightdeck/domain';
import { createEngine, type Engine } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor } from './context';
import { APPROVAL_DECISION_LIMIT, approverProcedure, createCallerFactory, router } from './trpc';

let database: TestDatabase;
let engine: Engine;
let prefix: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_rate_limits');
  prefix = uniqueRedisPrefix('api-rate-limits');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-limits-')),
  });
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

// Approval procedures land on main; any procedure built on approverProcedure gets the limit.
const testRouter = router({
  decide: approverProcedure.mutation(() => 'decided'),
  inbox: approverProcedure.query(() => 'listed'),
});
const createCaller = createCallerFactory(testRouter);
const approver = (id: string): Principal => ({
  actor: { kind: 'user', id },
  roles: ['approver'],
  teams: 'all',
});

describe('approval decisions', () => {
  it('are limited per principal; reads are not', async () => {
    const caller = createCaller(contextFor(engine, approver('apu@example.test')));
    for (let i = 0; i < APPROVAL_DECISION_LIMIT.limit; i += 1)
      expect(await caller.decide()).toBe('decided');
    const refused = await caller.decide().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe('TOO_MANY_REQUESTS');
    expect(await caller.inbox()).toBe('listed');
    // Another approver has a budget of their own.
    const other = createCaller(contextFor(engine, approver('eve@example.test')));
    expect(await other.decide()).toBe('decided');
  });
});
