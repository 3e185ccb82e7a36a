import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import {
  fileSources,
  type Finding,
  listenToPubSub,
  postgresSources,
  redisSources,
  scan,
  type Source,
  stackSecrets,
} from '../lib/canaries';
import { repoRoot } from '../lib/processes';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1440, height: 1000 } });

/**
 * Every HTTP response (headers and body: pages, tRPC, JS chunks, CSS) and every
 * WebSocket frame either way that the page sees, plus the rendered HTML of each
 * view.
 */
function record(page: Page) {
  const sources: Source[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    const where = `http ${response.status()} ${response.request().method()} ${response.url()}`;
    pending.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders());
        // Redirects and aborted requests have no body.
        const body = await response.body().catch(() => Buffer.alloc(0));
        sources.push({ where, text: `${headers}\n${body.toString('latin1')}` });
      })(),
    );
  });
  page.on('websocket', (socket) => {
    const frame = (direction: string) => (data: { payload: string | Buffer }) =>
      sources.push({
        where: `websocket ${direction} ${socket.url()}`,
        text: typeof data.payload === 'string' ? data.payload : data.payload.toString('latin1'),
      });
    socket.on('framereceived', frame('received'));
    socket.on('framesent', frame('sent'));
  });
  return {
    sources,
    async html(label: string) {
      sources.push({ where: `html ${label} ${page.url()}`, text: await page.content() });
    },
    async settled() {
      await Promise.allSettled(pending);
    },
  };
}

function report(findings: Finding[]): string {
  return findings.map((f) => `${f.canary} in ${f.where}: …${f.excerpt}…`).join('\n');
}

test('secret canaries are found nowhere after a real run', async ({ page }) => {
  test.setTimeout(180_000);
  const stack = stackSecrets();
  expect(Object.keys(stack.canaries)).toEqual([
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'FLIGHTDECK_AUTH_SECRET',
    'DATABASE_PASSWORD',
    'GITHUB_TOKEN',
  ]);
  const seen = record(page);
  const pubsub = await listenToPubSub(stack.redisUrl, stack.canaries);

  // A real session: launch the demo team and watch it to the end.
  await page.goto('/');
  await seen.html('fleet');
  await page.getByTestId('launch-run').first().click();
  const launch = page.getByRole('dialog');
  await launch.getByTestId('launch-team').selectOption('demo-research');
  await launch.getByTestId('launch-goal').fill('Audit where our agents keep their credentials');
  await launch.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByText('demo-research').first()).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 120_000 });

  // Every view of the run.
  for (const tab of [
    'run-view-log',
    'run-view-trace',
    'tab-workspace',
    'tab-approvals',
    'tab-policy',
  ]) {
    await page.getByTestId(tab).click();
    await expect(page.getByTestId(tab)).toHaveAttribute('aria-selected', 'true');
    if (tab === 'tab-workspace') {
      await page.locator('[data-testid="workspace-file"][data-path="report.md"]').click();
      await expect(page.getByTestId('workspace-viewer')).toHaveAttribute('data-path', 'report.md');
    }
    await page.waitForLoadState('networkidle');
    await seen.html(tab);
  }
  await page.screenshot({ path: path.join(artifacts, 'secrets-run.png'), fullPage: true });

  // And every other page.
  for (const route of [
    '/',
    '/teams',
    '/teams/demo-research',
    '/costs',
    '/approvals',
    '/audit',
    '/settings/users',
    '/settings/tokens',
    '/settings/webhooks',
  ]) {
    await page.goto(route);
    await page.waitForLoadState('networkidle');
    await seen.html(route);
  }
  await page.close();
  await seen.settled();
  pubsub.stop();
  expect(pubsub.channels.get('fd:run:<run>') ?? 0).toBeGreaterThan(0);
  expect(seen.sources.some((s) => s.where.startsWith('websocket received'))).toBe(true);
  expect(seen.sources.some((s) => /\.js(\?|$)/.test(s.where))).toBe(true);

  // Proof that the scan can fail: a canary written into Redis and into PostgreSQL
  // on purpose must be found there, and only there.
  const redis = new Redis(stack.redisUrl);
  const probeKey = `${stack.queuePrefix}:canary-probe`;
  const probeTable = 'e2e_canary_probe';
  const psql = (sql: string) =>
    execFileSync('psql', [stack.databaseUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  let findings: Finding[];
  try {
    await redis.hset(probeKey, 'token', `Bearer ${stack.canaries.OPENAI_API_KEY!}`);
    psql(
      `CREATE TABLE ${probeTable} (secret text); INSERT INTO ${probeTable} VALUES ('${stack.canaries.DATABASE_PASSWORD!}')`,
    );

    const sources: Source[] = [
      ...seen.sources,
      // What the server could send any browser, not only what these pages loaded.
      ...fileSources(path.join(repoRoot, 'apps', 'web', '.next', 'static'), 'web build'),
      ...fileSources(stack.logDir, 'log'),
      ...fileSources(stack.workspaceRoot, 'workspace'),
      ...fileSources(stack.auditCheckpoint, 'audit checkpoint'),
      ...(await redisSources(stack.redisUrl, stack.queuePrefix)),
      ...postgresSources(stack.databaseUrl),
    ];
    const kinds = (prefix: string) => sources.filter((s) => s.where.startsWith(prefix)).length;
    const counts = Object.fromEntries(
      ['http', 'websocket', 'html', 'web build', 'log', 'workspace', 'redis', 'postgres'].map(
        (k) => [k, kinds(k)],
      ),
    );
    // Something was scanned in each place.
    for (const [kind, count] of Object.entries(counts)) expect(count, kind).toBeGreaterThan(0);
    findings = [...scan(sources, stack.canaries), ...pubsub.findings];
    writeFileSync(
      path.join(artifacts, 'secrets-scan.json'),
      JSON.stringify(
        {
          counts,
          pubsubMessages: Object.fromEntries(pubsub.channels),
          findings,
          scanned: sources.map((s) => `${s.where} (${s.text.length} chars)`),
        },
        null,
        2,
      ),
    );
  } finally {
    await redis.del(probeKey);
    redis.disconnect();
    psql(`DROP TABLE IF EXISTS ${probeTable}`);
  }

  const probes = findings.filter(
    (f) => f.where === `redis hash ${probeKey}` || f.where === `postgres public.${probeTable}`,
  );
  expect(probes.map((f) => `${f.canary} in ${f.where}`).sort()).toEqual([
    `DATABASE_PASSWORD in postgres public.${probeTable}`,
    `OPENAI_API_KEY in redis hash ${probeKey}`,
  ]);
  const leaks = findings.filter((f) => !probes.includes(f));
  expect(leaks, report(leaks)).toEqual([]);
});
