import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSpanId } from '@flightdeck/domain';
import { createEngine, loadRunState, recordEvents, spawnRun } from '@flightdeck/engine';
import { deleteRedisKeys, redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL } from '../lib/state';
import { saveHeldDemoTeam } from '../lib/teams';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const node = (page: Page, name: string) =>
  page.locator(`[data-testid="agent-node"][data-agent-name="${name}"]`);
const actions = (page: Page, name: string) =>
  page.locator(`[data-testid="agent-actions"][data-agent-name="${name}"]`);
const eventCount = async (page: Page) =>
  Number(await page.getByTestId('event-feed').getAttribute('data-count'));
const turns = async (page: Page) =>
  Number(
    (await page.getByTestId('stat-turns').locator('div').nth(1).textContent())?.replace(/\D/g, ''),
  );

/** The app scrolls inside <main>: bring the run header back into view before a screenshot. */
const scrollToTop = (page: Page) =>
  page
    .locator('main')
    .evaluate((el: { scrollTo(x: number, y: number): void }) => el.scrollTo(0, 0));

/** Pick "abort turns in flight" and confirm, in an open pause dialog. */
async function confirmPause(dialog: Locator, confirmTestId: string, reason: string) {
  await dialog.getByTestId('pause-mode-abort-turn').click();
  if (reason) await dialog.getByRole('textbox').fill(reason);
  await dialog.getByTestId(confirmTestId).click();
  await expect(dialog).toBeHidden();
}

// Wide enough for the run page's three columns: tree, log and conversation side by side.
test.use({ viewport: { width: 1600, height: 1000 } });

/**
 * The test holds the team on purpose: it pauses the run (aborting turns in
 * flight) as soon as the lead has delegated, and does the rest while nothing moves: steers the lead
 * (it always has a next turn, after its subagents report), pauses and resumes
 * the researcher, kills it. Then it resumes the run and watches the rest of
 * the team go on to the end.
 */
test('pause a live team, steer the lead, resume, kill one subagent while the rest finish', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const slug = await saveHeldDemoTeam(page.request);
  await page.goto('/');
  await page.getByTestId('launch-run').first().click();
  const launch = page.getByRole('dialog');
  await launch.getByTestId('launch-team').selectOption(slug);
  await launch
    .getByTestId('launch-goal')
    .fill('Compare two open-source tracing backends for agent runs');
  await launch.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);

  // As soon as the lead has delegated, pause the whole team, aborting the turns in flight.
  await expect(node(page, 'researcher')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('pause-run').click();
  await confirmPause(
    page.getByRole('dialog'),
    'pause-confirm',
    'e2e: check the plan before it writes',
  );

  const banner = page.getByTestId('run-paused-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(`Paused by ${ADMIN_EMAIL}`);
  await expect(banner).toContainText('e2e: check the plan before it writes');
  await expect(page.getByTestId('run-status')).toHaveText(/paused/i);
  await expect(page.getByTestId('resume-run')).toBeVisible();
  await expect(page.getByTestId('pause-run')).toHaveCount(0);
  await expect(banner).toHaveAttribute('data-finishing', '0');
  const researcherStatus = await node(page, 'researcher').getAttribute('data-agent-status');
  expect(
    ['done', 'failed'],
    'the researcher should still be at work when the team is paused',
  ).not.toContain(researcherStatus);
  await expect(node(page, 'researcher')).toHaveAttribute('data-agent-phase', 'paused');
  await expect(node(page, 'lead')).toHaveAttribute('data-agent-phase', 'paused');

  // Let anything already recorded arrive, then: nothing moves for a few seconds.
  await expect
    .poll(
      async () => {
        const before = await eventCount(page);
        await page.waitForTimeout(750);
        return (await eventCount(page)) === before;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const pausedTurns = await turns(page);
  const pausedEvents = await eventCount(page);
  await page.waitForTimeout(3_000); // the deliberate "nothing moves" window
  expect(await turns(page)).toBe(pausedTurns);
  expect(await eventCount(page)).toBe(pausedEvents);
  await expect(banner).toBeVisible();

  // Steer the lead while the team is paused: the message waits for its next turn.
  const steerText = 'Keep the report under 300 words and cite two sources.';
  await actions(page, 'lead').click();
  await page.getByTestId('agent-action-steer').click();
  await expect(page.getByTestId('conversation')).toHaveAttribute(
    'data-agent-id',
    (await node(page, 'lead').getAttribute('data-agent-id'))!,
  );
  await expect(page.getByTestId('steer-input')).toBeFocused();
  await page.getByTestId('steer-input').fill(steerText);
  await page.getByTestId('steer-send').click();
  const queued = page.getByTestId('pending-steer');
  await expect(queued).toContainText(steerText);
  await expect(queued).toContainText('queued for next turn');
  await expect(page.getByTestId('steer-input')).toHaveValue('');
  await expect(node(page, 'lead').getByTestId('agent-pending-steers')).toContainText('1 queued');

  // Pause the researcher on its own (it shows who held it), then resume it: the team's pause still holds it.
  await actions(page, 'researcher').click();
  await expect(page.getByTestId('agent-action-kill')).toBeVisible();
  await page.screenshot({ path: path.join(artifacts, 'agent-actions-menu.png') });
  await page.getByTestId('agent-action-pause').click();
  await expect(page.getByRole('dialog')).toContainText('Pause researcher?');
  await page.getByRole('dialog').getByTestId('pause-mode-abort-turn').click();
  await page.screenshot({ path: path.join(artifacts, 'pause-agent-dialog.png') });
  await confirmPause(page.getByRole('dialog'), 'pause-agent-confirm', 'e2e: look at its notes');
  await expect(node(page, 'researcher')).toHaveAttribute('data-agent-phase', 'paused');
  await expect(node(page, 'researcher').getByTestId('agent-activity')).toHaveText(
    `paused by ${ADMIN_EMAIL}: e2e: look at its notes`,
  );
  await expect(node(page, 'lead').getByTestId('agent-activity')).toHaveText(/^paused with the run/);
  await node(page, 'lead').click();
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'run-paused.png'), fullPage: true });
  await actions(page, 'researcher').click();
  await page.getByTestId('agent-action-resume').click();
  await expect(node(page, 'researcher').getByTestId('agent-activity')).toHaveText(
    /^paused with the run/,
  );

  // Kill the researcher (with its subagents). The lead is told its delegation failed.
  await actions(page, 'researcher').click();
  await page.getByTestId('agent-action-kill').click();
  const kill = page.getByRole('dialog');
  await expect(kill).toContainText('Kill researcher?');
  await expect(page.getByTestId('kill-agent-confirm')).toBeDisabled();
  await kill.getByTestId('kill-agent-reason').fill('e2e: the writer has enough');
  await page.screenshot({ path: path.join(artifacts, 'kill-agent-dialog.png') });
  await page.getByTestId('kill-agent-confirm').click();
  await expect(kill).toBeHidden();
  await expect(node(page, 'researcher')).toHaveAttribute('data-agent-status', 'killed');
  await expect(node(page, 'researcher').getByTestId('agent-phase')).toHaveText('Killed');
  await expect(actions(page, 'researcher')).toBeDisabled();
  await expect(page.getByTestId('conversation')).toContainText(
    `subagent researcher was killed by ${ADMIN_EMAIL}`,
  );

  // Resume: the banner goes and the rest of the team goes on.
  await page.getByTestId('resume-run').click();
  await expect(banner).toBeHidden();
  await expect(page.getByTestId('run-status')).toHaveText(/running|completed/i);
  await expect.poll(() => turns(page), { timeout: 20_000 }).toBeGreaterThan(pausedTurns);

  // The lead reads the operator's message at its next turn.
  const delivered = page.locator('[data-testid="message"][data-steer="true"]');
  await expect(delivered).toContainText(steerText, { timeout: 30_000 });
  await expect(delivered).toContainText(`Steer from ${ADMIN_EMAIL}`);
  await expect(queued).toHaveCount(0);
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'run-steered.png'), fullPage: true });

  // The rest of the team goes on and the run completes.
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 60_000 });
  await expect(node(page, 'writer')).toHaveAttribute('data-agent-status', 'done');
  await expect(node(page, 'lead')).toHaveAttribute('data-agent-status', 'done');
  // The log is virtualized: show only control events, so the kill is on screen however long the run was.
  await page.getByTestId('feed-filter-control').click();
  await expect(page.getByTestId('event-feed')).toContainText('agent.killed');
  await page.getByTestId('feed-filter-all').click();
  await node(page, 'researcher').click();
  await expect(page.getByTestId('conversation')).toContainText(
    `killed by ${ADMIN_EMAIL}: e2e: the writer has enough`,
  );
  await expect(page.getByTestId('steer-closed')).toBeVisible();
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'agent-killed.png'), fullPage: true });
});

const ADMIN_DATABASE_URL =
  process.env.E2E_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const psql = (url: string, sql: string) =>
  execFileSync('psql', [url, '-Atqc', sql], { encoding: 'utf8' }).trim();

/** The stack's database: of the `fd_e2e_*` databases stack.mjs creates, the one holding this (unique) team. */
function stackDatabaseUrl(teamSlug: string): string {
  const names = psql(
    ADMIN_DATABASE_URL,
    "SELECT datname FROM pg_database WHERE datname LIKE 'fd\\_e2e\\_%'",
  ).split('\n');
  for (const name of names.filter(Boolean)) {
    const url = ADMIN_DATABASE_URL.replace(/\/[^/]*$/, `/${name}`);
    try {
      if (psql(url, `SELECT count(*) FROM teams WHERE slug = '${teamSlug}'`) === '1') return url;
    } catch {
      // Another stack's database being created or dropped: not ours.
    }
  }
  throw new Error(`no e2e database holds team ${teamSlug}`);
}

/**
 * A crash cannot be ordered from a browser, so this test writes what a worker
 * that died inside a tool call leaves behind: the lead's turn with a dispatched
 * `shell` call, then `tool.call.interrupted` (what the next worker records for
 * a call that may have had effects). The run is spawned on a queue prefix no
 * worker consumes, so nothing races the log; the operator's decision in the
 * browser re-queues the turn on the stack's own queue, and its workers finish
 * the run.
 */
test('an agent blocked on an interrupted tool call waits for a decision, and "mark done" lets it go on', async ({
  page,
}) => {
  const slug = `e2e-decide-${Date.now().toString(36)}`;
  const source = [
    `name: ${slug}`,
    'description: One agent with a shell tool, for the interrupted-call test.',
    'lead: lead',
    'agents:',
    '  lead:',
    '    role: Operator',
    '    model: simulated/gpt-4o-mini',
    '    tools: [{ name: shell, commands: ["touch *"] }]',
    'simulation: { latencyMs: 0, minSteps: 1, maxSteps: 1, errorRate: 0 }',
    "policy: { rules: [{ id: everything, tool: '*', effect: allow }] }",
    '',
  ].join('\n');
  const saved = await page.request.post('/api/trpc/teams.save', { data: { source } });
  expect(saved.ok(), await saved.text()).toBe(true);

  const prefix = uniqueRedisPrefix('e2e-decide');
  const engine = await createEngine({
    databaseUrl: stackDatabaseUrl(slug),
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-e2e-decide-')),
  });
  try {
    const { runId } = await spawnRun(engine, {
      teamSlug: slug,
      goal: 'Touch the release marker',
      by: { kind: 'user', id: 'operator' },
    });
    const state = await loadRunState(engine, runId);
    const lead = state.agents[state.leadAgentId!]!;
    const base = {
      at: new Date().toISOString(),
      agentId: lead.id,
      traceId: state.traceId!,
      parentSpanId: lead.spanId,
    };
    const callId = `${lead.id}.t1.c1`;
    const args = { command: 'touch release.marker' };
    await recordEvents(engine, runId, [
      { ...base, type: 'agent.turn.started', spanId: newSpanId(), payload: { turn: 1 } },
      {
        ...base,
        type: 'llm.call.started',
        spanId: newSpanId(),
        payload: { callId: `${lead.id}.t1.llm`, turn: 1, model: lead.model },
      },
      {
        ...base,
        type: 'llm.call.finished',
        spanId: newSpanId(),
        payload: {
          callId: `${lead.id}.t1.llm`,
          text: 'Touching the marker.',
          toolCalls: [{ callId, tool: 'shell', args }],
          usage: { inputTokens: 120, outputTokens: 30 },
          costMicroUsd: 40,
          priceVersion: 'e2e',
          latencyMs: 5,
          finishReason: 'tool_calls',
        },
      },
      {
        ...base,
        type: 'tool.call.dispatched',
        spanId: newSpanId(),
        payload: { callId, tool: 'shell', args },
      },
      {
        ...base,
        type: 'tool.call.interrupted',
        spanId: newSpanId(),
        payload: { callId, tool: 'shell', reason: 'the worker running it stopped' },
      },
    ]);

    await page.goto(`/runs/${runId}`);
    await expect(page.getByTestId('needs-decision-banner')).toContainText(
      '1 agent needs a decision',
    );
    await expect(node(page, 'lead')).toHaveAttribute('data-agent-phase', 'blocked');
    await expect(node(page, 'lead').getByTestId('agent-phase')).toHaveText('Needs decision');
    const panel = page.getByTestId('interrupted-call');
    await expect(panel).toContainText('shell was interrupted');
    await expect(panel).toContainText('touch release.marker');
    await expect(page.getByTestId('resolve-retry')).toBeEnabled();
    await expect(page.getByTestId('resolve-skip')).toBeEnabled();
    await scrollToTop(page);
    await page.screenshot({ path: path.join(artifacts, 'agent-blocked.png'), fullPage: true });

    // The pause dialog, as an operator meets it (then cancelled: nothing recorded).
    await page.getByTestId('pause-run').click();
    const pauseDialog = page.getByRole('dialog');
    await expect(
      pauseDialog.getByRole('radio', { name: /let turns in flight finish/i }),
    ).toBeChecked();
    await page.screenshot({ path: path.join(artifacts, 'pause-dialog.png') });
    await pauseDialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(pauseDialog).toBeHidden();
    await expect(page.getByTestId('run-status')).toHaveText(/running/i);

    await page.getByTestId('resolve-output').fill('The marker was already there: touched by hand.');
    await page.getByTestId('resolve-mark-done').click();
    await expect(page.getByTestId('needs-decision-banner')).toBeHidden();
    await expect(panel).toHaveCount(0);
    await expect(page.locator('[data-testid="message"][data-role="tool"]')).toContainText(
      'touched by hand',
    );
    await expect(page.getByTestId('event-feed')).toContainText('tool.call.resolved');
    await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 30_000 });
  } finally {
    await engine.close();
    await deleteRedisKeys(prefix);
  }
});
