import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { createEngine, type Engine } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller, LOCAL_OPERATOR } from '../../index';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let admin: ReturnType<typeof createCaller>;

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_webhooks');
  prefix = uniqueRedisPrefix('api-webhooks');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-hooks-')),
  });
  admin = createCaller(contextFor(engine, LOCAL_OPERATOR));
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

async function failure(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('webhooks procedures', () => {
  it('create shows the secret once; list, update, test, deliveries and delete never show it', async () => {
    const created = await admin.webhooks.create({
      name: 'ops',
      url: 'https://hooks.example.com/flightdeck',
      format: 'slack',
      events: ['approval.requested', 'approval.expired'],
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.webhook).toMatchObject({
      name: 'ops',
      format: 'slack',
      enabled: true,
      teamId: null,
      secretMasked: `••••${created.secret.slice(-4)}`,
    });

    const list = await admin.webhooks.list();
    expect(list).toEqual([created.webhook]);
    expect(JSON.stringify(list)).not.toContain(created.secret);

    const disabled = await admin.webhooks.update({ id: created.webhook.id, enabled: false });
    expect(disabled.enabled).toBe(false);
    expect(JSON.stringify(disabled)).not.toContain(created.secret);

    const { deliveryId } = await admin.webhooks.test({ id: created.webhook.id });
    const deliveries = await admin.webhooks.deliveries({ webhookId: created.webhook.id });
    expect(deliveries).toEqual([
      expect.objectContaining({ id: deliveryId, status: 'pending', isTest: true, attempts: 0 }),
    ]);
    const job = await engine.queues.notifications.getJob(`webhook_${deliveryId}`);
    expect(job?.data).toEqual({ deliveryId });
    expect(job?.opts.attempts).toBe(8);

    await admin.webhooks.delete({ id: created.webhook.id });
    expect(await admin.webhooks.list()).toEqual([]);
    expect((await failure(admin.webhooks.delete({ id: created.webhook.id }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('keeps a given secret, and refuses short ones', async () => {
    const secret = 'a-long-enough-secret-1234';
    const created = await admin.webhooks.create({
      name: 'own secret',
      url: 'http://127.0.0.1:9/x',
      events: ['approval.decided'],
      secret,
    });
    expect(created.secret).toBe(secret);
    expect(created.webhook.format).toBe('json');
    expect(
      (
        await failure(
          admin.webhooks.create({
            name: 'x',
            url: 'http://127.0.0.1:9/x',
            events: ['approval.decided'],
            secret: 'short',
          }),
        )
      ).code,
    ).toBe('BAD_REQUEST');
    await admin.webhooks.delete({ id: created.webhook.id });
  });

  it.each([
    ['a non-http URL', { name: 'x', url: 'ftp://x.io/', events: ['approval.decided'] }],
    ['no events', { name: 'x', url: 'https://x.io/', events: [] }],
    ['an unknown event', { name: 'x', url: 'https://x.io/', events: ['run.killed'] }],
    ['an unknown key', { name: 'x', url: 'https://x.io/', events: ['approval.decided'], a: 1 }],
    ['a huge name', { name: 'x'.repeat(101), url: 'https://x.io/', events: ['approval.decided'] }],
    [
      'an unknown team',
      {
        name: 'x',
        url: 'https://x.io/',
        events: ['approval.decided'],
        teamId: '00000000-0000-4000-8000-000000000000',
      },
    ],
  ])('create with %s is BAD_REQUEST', async (_label, input) => {
    expect((await failure(admin.webhooks.create(input as never))).code).toBe('BAD_REQUEST');
    expect(await admin.webhooks.list()).toEqual([]);
  });

  it('is for admins only', async () => {
    const operator = createCaller({
      engine,
      viewer: { actor: { kind: 'user', id: 'op' }, roles: ['operator'], teams: 'all' },
    });
    expect((await failure(operator.webhooks.list())).code).toBe('FORBIDDEN');
    expect(
      (
        await failure(
          operator.webhooks.create({
            name: 'x',
            url: 'https://x.io/',
            events: ['approval.decided'],
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });
});
