import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { sampleApprovalNotification } from '@flightdeck/domain';
import {
  createEngine,
  createWebhook,
  listWebhookDeliveries,
  notifyApproval,
  verifyWebhookSignature,
} from '@flightdeck/engine';
import { createLogger } from '@flightdeck/telemetry';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env';
import { startNotificationWorker } from './notification-worker';
import { waitFor } from './test/harness';

describe('notification worker', () => {
  it('reads the public URL from the environment, http(s) only', () => {
    expect(loadEnv({}).FLIGHTDECK_PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(loadEnv({ FLIGHTDECK_PUBLIC_URL: 'https://fd.example' }).FLIGHTDECK_PUBLIC_URL).toBe(
      'https://fd.example',
    );
    expect(() => loadEnv({ FLIGHTDECK_PUBLIC_URL: 'ftp://fd.example' })).toThrow(
      /FLIGHTDECK_PUBLIC_URL/,
    );
  });

  it('delivers an approval notification to a Slack webhook with a link to the public URL', async () => {
    const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ headers: req.headers, body });
        res.writeHead(requests.length === 1 ? 502 : 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const database = await createMigratedTestDatabase('notification_worker');
    const prefix = uniqueRedisPrefix('notification-worker');
    const engine = await createEngine({
      databaseUrl: database.url,
      redisUrl: redisUrl(),
      queuePrefix: prefix,
      workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-nw-')),
      webhookRetry: { backoffMs: 10 },
    });
    const worker = await startNotificationWorker(
      { engine, log: createLogger('test') },
      { name: 'nw-test', publicUrl: 'https://fd.example' },
    );
    try {
      const { webhook, secret } = await createWebhook(engine, {
        name: 'slack',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        format: 'slack',
        events: ['approval.requested'],
      });
      const notification = sampleApprovalNotification(new Date());
      await notifyApproval(engine, notification);
      const [delivery] = await waitFor('the delivery', async () => {
        const rows = await listWebhookDeliveries(engine, { webhookId: webhook.id, limit: 5 });
        return rows[0]?.status === 'delivered' ? rows : null;
      });
      expect(delivery).toMatchObject({ attempts: 2, responseStatus: 200 });
      const last = requests.at(-1)!;
      expect(
        verifyWebhookSignature(secret, last.headers['x-flightdeck-signature'] as string, last.body),
      ).toBe(true);
      expect(last.body).toContain('"url":"https://fd.example/approvals/test"');
      expect(JSON.parse(last.body)).toHaveProperty('blocks');
    } finally {
      await worker.close();
      await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
      await engine.close();
      await database.drop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
