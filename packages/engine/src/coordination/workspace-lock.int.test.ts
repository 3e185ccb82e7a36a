import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { WorkspaceBusyError, withWorkspaceLock, workspaceLockKey } from './workspace-lock';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let dir: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_workspace_lock');
  prefix = uniqueRedisPrefix('engine_workspace_lock');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-workspace-lock-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: dir,
  });
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withWorkspaceLock', () => {
  it('runs the holders of one run one at a time, in the order they asked', async () => {
    const runId = randomUUID();
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withWorkspaceLock(engine, runId, async () => {
          inside++;
          most = Math.max(most, inside);
          log.push(`in ${i}`);
          await pause(i % 3);
          log.push(`out ${i}`);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(log).toEqual(Array.from({ length: 20 }, (_, i) => [`in ${i}`, `out ${i}`]).flat());
    // Released: nothing is left in Redis.
    expect(await engine.redis.exists(workspaceLockKey(engine, runId))).toBe(0);
  });

  it('lets different runs hold their locks at the same time', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      [randomUUID(), randomUUID()].map((runId) =>
        withWorkspaceLock(engine, runId, async () => {
          inside++;
          most = Math.max(most, inside);
          await pause(20);
          inside--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('waits for a lease another process holds, and takes it once released', async () => {
    const runId = randomUUID();
    const key = workspaceLockKey(engine, runId);
    await engine.redis.set(key, 'another-process', 'PX', 60_000);
    let ran = false;
    const waiting = withWorkspaceLock(engine, runId, () => {
      ran = true;
      return Promise.resolve('done');
    });
    await pause(50);
    expect(ran).toBe(false);
    await engine.redis.del(key);
    await expect(waiting).resolves.toBe('done');
  });

  it('gives up with WorkspaceBusyError past its wait, and the callers behind it go on', async () => {
    const runId = randomUUID();
    const key = workspaceLockKey(engine, runId);
    await engine.redis.set(key, 'another-process', 'PX', 60_000);
    const first = withWorkspaceLock(engine, runId, () => Promise.resolve('first'), { waitMs: 100 });
    const second = withWorkspaceLock(engine, runId, () => Promise.resolve('second'), {
      waitMs: 5_000,
    });
    await expect(first).rejects.toBeInstanceOf(WorkspaceBusyError);
    await engine.redis.del(key);
    await expect(second).resolves.toBe('second');
  });

  it('releases the lock when the work fails, and passes the failure on', async () => {
    const runId = randomUUID();
    const failing = withWorkspaceLock(engine, runId, () => Promise.reject(new Error('boom')));
    const next = withWorkspaceLock(engine, runId, () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});
