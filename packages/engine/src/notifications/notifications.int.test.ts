import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import type { DeliveryRecord } from '@flightdeck/db';
import type { ApprovalNotification, ApprovalNotificationKind } from '@flightdeck/domain';
import { redisUrl, type TestDatabase, uniqueRedisPrefix } from '@flightdeck/testing';
import { Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { QUEUES } from '../jobs/catalog';
import { createRedis } from '../redis';
import { ensureDemoTeams } from '../use-cases/ensure-demo-teams';
import { listTeams } from '../use-cases/queries';
import { createNotificationProcessor, deliverWebhook } from './deliver';
import { notifyApproval, sendTestNotification } from './notify';
import { verifyWebhookSignature } from './signature';
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  updateWebhook,
} from './webhooks';

const PUBLIC_URL = 'https://flightdeck.example.com';
/** Short, for the receiver that never answers; long enough for a loaded CI machine. */
const TIMEOUT_MS = 2000;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver: each path answers with its scripted statuses in turn (the last one repeats); "hang" never answers. */
const received: Received[] = [];
const scripts = new Map<string, (number | 'hang')[]>();
let server: Server;
let base: string;

let database: TestDatabase;
let engine: Engine;
let worker: Worker;
let demoTeamId: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = req.url ?? '/';
      received.push({ path: p, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const script = scripts.get(p) ?? [200];
      const next = script.length > 1 ? script.shift()! : script[0]!;
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'text/plain' }).end('receiver says hi');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  database = await createMigratedTestDatabase('notifications');
  const prefix = uniqueRedisPrefix('notifications');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-hooks-')),
    webhookRetry: { attempts: 3, backoffMs: 20 },
  });
  await ensureDemoTeams(engine);
  demoTeamId = (await listTeams(engine))[0]!.id;
  worker = new Worker(
    QUEUES.notifications,
    createNotificationProcessor(engine, { publicUrl: PUBLIC_URL, timeoutMs: TIMEOUT_MS }),
    {
      connection: createRedis(redisUrl(), 'test:notifications', { maxRetriesPerRequest: null }),
      prefix,
      concurrency: 5,
    },
  );
});

afterEach(async () => {
  for (const w of await listWebhooks(engine)) await deleteWebhook(engine, { id: w.id });
  received.length = 0;
  scripts.clear();
});

afterAll(async () => {
  await worker?.close();
  await Promise.all(Object.values(engine?.queues ?? {}).map((q) => q.obliterate({ force: true })));
  await engine?.close();
  await database?.drop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function notification(
  kind: ApprovalNotificationKind = 'approval.requested',
  teamId = demoTeamId,
): ApprovalNotification {
  const id = randomUUID();
  return {
    kind,
    approval: {
      id,
      runId: randomUUID(),
      agentId: randomUUID(),
      agentName: 'researcher',
      teamId,
      teamName: 'demo-research',
      tool: 'shell',
      args: { command: 'rm -rf build/' },
      ruleId: 'ask-shell',
      risk: 'high',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      url: `/approvals/${id}`,
    },
    ...(kind === 'approval.decided'
      ? {
          decision: {
            outcome: 'denied' as const,
            by: { kind: 'user' as const, id: 'alice' },
            reason: 'not on a Friday',
            edited: false,
          },
        }
      : {}),
    at: new Date().toISOString(),
  };
}

async function hook(
  pathName: string,
  options: Partial<Parameters<typeof createWebhook>[1]> = {},
): Promise<{ id: string; secret: string }> {
  const { webhook, secret } = await createWebhook(engine, {
    name: pathName,
    url: `${base}${pathName}`,
    format: 'json',
    events: ['approval.requested', 'approval.decided', 'approval.expiring', 'approval.expired'],
    ...options,
  });
  return { id: webhook.id, secret };
}

async function settled(
  webhookId: string,
  count = 1,
  done = (d: DeliveryRecord) => d.status !== 'pending',
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const deliveries = await listWebhookDeliveries(engine, { webhookId, limit: 50 });
    if (deliveries.length >= count && deliveries.every(done)) return deliveries;
    if (Date.now() > deadline)
      throw new Error(`deliveries still pending: ${JSON.stringify(deliveries)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('approval webhooks', () => {
  it('delivers a signed JSON body that verifies, and fails verification when tampered, re-keyed or stale', async () => {
    const { id, secret } = await hook('/json');
    const n = notification('approval.decided');
    const { deliveryIds } = await notifyApproval(engine, n);
    expect(deliveryIds).toHaveLength(1);
    const [delivery] = await settled(id);
    expect(delivery).toMatchObject({
      id: deliveryIds[0],
      status: 'delivered',
      attempts: 1,
      responseStatus: 200,
      lastError: null,
      kind: 'approval.decided',
    });
    expect(delivery!.deliveredAt).toBeInstanceOf(Date);

    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-flightdeck-event']).toBe('approval.decided');
    expect(request.headers['x-flightdeck-delivery']).toBe(deliveryIds[0]);
    const signature = request.headers['x-flightdeck-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, signature, request.body, 300)).toBe(true);
    expect(
      verifyWebhookSignature(secret, signature, request.body.replace('alice', 'bob'), 300),
    ).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, signature, request.body, 300)).toBe(false);
    const t = Number(/t=(\d+)/.exec(signature)![1]);
    expect(verifyWebhookSignature(secret, signature, request.body, 300, t + 301)).toBe(false);

    expect(JSON.parse(request.body)).toEqual({
      type: 'approval.decided',
      ...n,
      link: `${PUBLIC_URL}/approvals/${n.approval.id}`,
    });
  });

  it('retries a receiver that fails twice with 500 and records the attempts', async () => {
    scripts.set('/flaky', [500, 500, 200]);
    const { id } = await hook('/flaky');
    const { deliveryIds } = await notifyApproval(engine, notification());
    const [delivery] = await settled(id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200 });
    expect(received).toHaveLength(3);
    // The same delivery id every time: receivers use it to drop duplicates.
    expect(new Set(received.map((r) => r.headers['x-flightdeck-delivery']))).toEqual(
      new Set(deliveryIds),
    );
  });

  it('does not retry a 400, gives up after the last attempt on 503s, and times out a silent receiver', async () => {
    scripts.set('/refuses', [400]);
    scripts.set('/down', [503]);
    scripts.set('/hangs', ['hang']);
    const refuses = await hook('/refuses');
    const down = await hook('/down');
    const hangs = await hook('/hangs');
    await notifyApproval(engine, notification());
    expect(await settled(refuses.id)).toMatchObject([
      { status: 'failed', attempts: 1, responseStatus: 400, lastError: 'HTTP 400' },
    ]);
    expect(await settled(down.id)).toMatchObject([
      { status: 'failed', attempts: 3, responseStatus: 503, lastError: 'HTTP 503' },
    ]);
    // The first timeout is recorded and left for a retry.
    expect(await settled(hangs.id, 1, (d) => d.lastError !== null)).toMatchObject([
      { status: 'pending', attempts: 1, responseStatus: null, lastError: 'no response within 2 s' },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((r) => r.path === '/refuses')).toHaveLength(1);
    expect(received.filter((r) => r.path === '/down')).toHaveLength(3);
  });

  it('retries 429 and 408 but records a refused connection as a network error', async () => {
    scripts.set('/busy', [429, 408, 204]);
    const busy = await hook('/busy');
    // A port that was just free: nothing listens there.
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const sparePort = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const { webhook: closed } = await createWebhook(engine, {
      name: 'closed',
      url: `http://127.0.0.1:${sparePort}/nothing`,
      format: 'json',
      events: ['approval.expired'],
    });
    await notifyApproval(engine, notification('approval.expired'));
    expect(await settled(busy.id)).toMatchObject([
      { status: 'delivered', attempts: 3, responseStatus: 204 },
    ]);
    expect(await settled(closed.id)).toMatchObject([
      { status: 'failed', attempts: 3, lastError: 'network error: ECONNREFUSED' },
    ]);
  });

  it('sends Slack-shaped bodies with text, blocks and a link button', async () => {
    const { id } = await hook('/slack', { format: 'slack' });
    const n = notification('approval.requested');
    await notifyApproval(engine, n);
    await settled(id);
    const body = JSON.parse(received[0]!.body) as {
      text: string;
      blocks: { type: string; elements?: { url?: string }[] }[];
    };
    expect(body.text).toBe('Approval requested: researcher (demo-research) wants to run shell');
    expect(body.blocks.length).toBeGreaterThan(2);
    const actions = body.blocks.find((b) => b.type === 'actions');
    expect(actions?.elements?.[0]?.url).toBe(`${PUBLIC_URL}/approvals/${n.approval.id}`);
  });

  it('sends nothing to a disabled webhook, another kind, or another team', async () => {
    const disabled = await hook('/disabled', { enabled: false });
    const otherKind = await hook('/other-kind', { events: ['approval.expired'] });
    const demoOnly = await hook('/demo-only', { teamId: demoTeamId });
    const everyone = await hook('/everyone', { events: ['approval.requested'] });

    const elsewhere = await notifyApproval(
      engine,
      notification('approval.requested', randomUUID()),
    );
    expect(elsewhere.deliveryIds).toHaveLength(1);
    const demo = await notifyApproval(engine, notification('approval.requested', demoTeamId));
    expect(demo.deliveryIds).toHaveLength(2);
    await settled(everyone.id, 2);
    await settled(demoOnly.id, 1);

    expect(await listWebhookDeliveries(engine, { webhookId: disabled.id, limit: 10 })).toEqual([]);
    expect(await listWebhookDeliveries(engine, { webhookId: otherKind.id, limit: 10 })).toEqual([]);
    expect(received.map((r) => r.path).sort()).toEqual(['/demo-only', '/everyone', '/everyone']);

    // Disabled after the delivery was queued: it is not sent.
    await updateWebhook(engine, { id: everyone.id, enabled: false });
    const late = await notifyApproval(engine, notification('approval.requested', randomUUID()));
    expect(late.deliveryIds).toHaveLength(0);
  });

  it('marks a delivery whose webhook was disabled meanwhile as failed without sending it', async () => {
    await worker.pause();
    try {
      const { id } = await hook('/late');
      await notifyApproval(engine, notification());
      await updateWebhook(engine, { id, enabled: false });
      await worker.resume();
      expect(await settled(id)).toMatchObject([
        { status: 'failed', attempts: 0, lastError: 'webhook disabled before delivery' },
      ]);
      expect(received).toHaveLength(0);
    } finally {
      await worker.resume();
    }
  });

  it('sends a test notification to one webhook, even a disabled one, marked as a test', async () => {
    const { id } = await hook('/test', { enabled: false, events: ['approval.expired'] });
    const { deliveryId } = await sendTestNotification(engine, { webhookId: id });
    expect(await settled(id)).toMatchObject([
      { id: deliveryId, status: 'delivered', isTest: true },
    ]);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      type: 'approval.requested',
      test: true,
    });
  });

  it('ends quietly when the webhook was deleted with its deliveries', async () => {
    expect(
      await deliverWebhook(
        engine,
        { deliveryId: randomUUID(), attempt: 1, maxAttempts: 3 },
        { publicUrl: PUBLIC_URL },
      ),
    ).toBe('gone');
  });

  it('refuses URLs that are not http(s), empty event lists and unknown teams', async () => {
    for (const url of [
      'ftp://example.com/x',
      'file:///etc/passwd',
      'not a url',
      'http://u:p@x.io/',
    ]) {
      await expect(
        createWebhook(engine, { name: 'bad', url, format: 'json', events: ['approval.expired'] }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(
      createWebhook(engine, { name: 'x', url: `${base}/x`, format: 'json', events: [] }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      createWebhook(engine, {
        name: 'x',
        url: `${base}/x`,
        format: 'json',
        events: ['approval.expired'],
        teamId: randomUUID(),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await listWebhooks(engine)).toEqual([]);
  });
});
