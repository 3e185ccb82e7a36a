import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { reduceEvents } from '@flightdeck/domain';
import { expect, test } from '@playwright/test';
import { shapeFor, syntheticRun, syntheticTeam } from '../bench/lib/synthetic-run';
import { trpcMutation } from '../lib/accounts';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1600, height: 1000 } });

/** A long finished run (a lead and 40 workers, ~20,000 events) as an export file, to import. */
function longRunExport(slug: string) {
  const id = randomUUID();
  const events = syntheticRun({ runId: id, teamName: slug, ...shapeFor(20_000) });
  const lines = [
    JSON.stringify({
      kind: 'flightdeck.run-export',
      version: 1,
      exportedAt: new Date().toISOString(),
      run: {
        id,
        goal: 'A long run',
        seed: 1,
        status: 'completed',
        teamSlug: slug,
        manifestVersion: 1,
      },
      manifest: { source: syntheticTeam(slug) },
      events: events.length,
    }),
    ...events.map((event) => JSON.stringify({ kind: 'event', event })),
    JSON.stringify({ kind: 'end', events: events.length }),
  ];
  return { jsonl: lines.join('\n'), state: reduceEvents(events), total: events.length };
}

test('a long run opens on its state and newest events, and reads its whole log only when replay or the trace needs it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const slug = `long-run-${Date.now().toString(36)}`;
  const run = longRunExport(slug);
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.import', {
    jsonl: run.jsonl,
  });

  // The log's pages are counted and held back until released.
  const logPages: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/api\/trpc\/runs\.events\b/, async (route) => {
    logPages.push(route.request().url());
    await held;
    await route.continue();
  });
  await page.goto(`/runs/${runId}`);
  const runPage = page.getByTestId('run-page');
  await expect(runPage).toHaveAttribute('data-source', 'window');
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i);
  await expect(page.getByTestId('agent-node')).toHaveCount(run.state.agentOrder.length);
  await expect(page.getByTestId('stat-llm-calls')).toContainText(
    run.state.totals.llmCalls.toLocaleString('en-US'),
  );
  // The feed shows the newest events, down to the last one.
  await expect(page.getByTestId('event-row').last()).toHaveAttribute('data-seq', String(run.total));
  await expect(page.getByTestId('run-seq')).toContainText(run.total.toLocaleString('en-US'));
  await expect(page.getByTestId('run-read-log')).toContainText(
    `Read all ${run.total.toLocaleString('en-US')} events`,
  );
  await page.screenshot({ path: path.join(artifacts, 'long-run-first-screen.png') });
  // Nothing asked for the whole log.
  await page.waitForTimeout(1_000);
  expect(logPages).toEqual([]);

  // The trace needs it: it is read, with progress, and the page switches to it.
  await page.getByTestId('run-view-trace').click();
  await expect(page.getByTestId('run-log-loading').first()).toContainText(
    `0 of ${run.total.toLocaleString('en-US')} events`,
  );
  expect(logPages.length).toBeGreaterThan(0);
  release();
  await expect(runPage).toHaveAttribute('data-source', 'log', { timeout: 60_000 });
  await expect(page.getByTestId('replay-bar')).toBeVisible();
  await expect(page.getByTestId('run-log-loading')).toHaveCount(0);
  await expect(page.getByTestId('stat-llm-calls')).toContainText(
    run.state.totals.llmCalls.toLocaleString('en-US'),
  );
  await page.getByTestId('run-view-log').click();
  await expect(page.getByTestId('event-feed')).toHaveAttribute('data-count', String(run.total));
});
