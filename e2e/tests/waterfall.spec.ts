import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

// Wide enough that the trace takes the log's and the conversation's columns.
test.use({ viewport: { width: 1600, height: 1000 } });

interface Row {
  spanId: string;
  parentSpanId: string | null;
  kind: string;
  depth: number;
  name: string;
}

/**
 * A three-level team: the lead delegates to every mid (a lead always
 * delegates to all its targets); each mid delegates to the leaf with
 * probability 0.6 (the simulated model's plan), so with three mids a run has a
 * second level of subagents 94% of the time — and the test launches another
 * run in the rare case it has not.
 */
const slug = `e2e-trace-${Date.now().toString(36)}`;
const mids = ['mid-a', 'mid-b', 'mid-c'];
// A subagent may not widen its parent's scope: one model, and fs.list, all the way down.
const source = [
  `name: ${slug}`,
  'description: Lead → mids → leaf, for the trace waterfall test.',
  'lead: lead',
  'agents:',
  '  lead:',
  '    role: Lead',
  '    model: simulated/gpt-4o-mini',
  '    tools: [delegate, fs.list]',
  `    delegates: [${mids.join(', ')}]`,
  ...mids.flatMap((mid) => [
    `  ${mid}:`,
    '    role: Middle manager',
    '    model: simulated/gpt-4o-mini',
    '    tools: [delegate, fs.list]',
    '    delegates: [leaf]',
  ]),
  '  leaf:',
  '    role: Worker',
  '    model: simulated/gpt-4o-mini',
  '    tools: [fs.list]',
  'limits: { maxDepth: 3, maxChildrenPerAgent: 4, maxConcurrentAgents: 16 }',
  'simulation: { latencyMs: 100, minSteps: 1, maxSteps: 2, errorRate: 0 }',
  "policy: { rules: [{ id: everything, tool: '*', effect: allow }] }",
  '',
].join('\n');

const rowsOf = (page: Page) =>
  // e2e has no DOM lib: the elements are typed by what the test reads.
  page
    .getByTestId('waterfall-row')
    .evaluateAll((els: Array<{ getAttribute(name: string): string | null }>) =>
      els.map((el) => ({
        spanId: el.getAttribute('data-span-id') ?? '',
        parentSpanId: el.getAttribute('data-parent-span-id'),
        kind: el.getAttribute('data-kind') ?? '',
        depth: Number(el.getAttribute('data-depth')),
        name: el.getAttribute('data-name') ?? '',
      })),
    );

async function spawn(page: Page, goal: string): Promise<string> {
  const res = await page.request.post('/api/trpc/runs.spawn', { data: { teamSlug: slug, goal } });
  expect(res.ok(), await res.text()).toBe(true);
  const body = (await res.json()) as { result: { data: { runId: string } } };
  return body.result.data.runId;
}

test('the trace waterfall shows a run as a span tree, two levels of subagents deep, live to the end', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const saved = await page.request.post('/api/trpc/teams.save', { data: { source } });
  expect(saved.ok(), await saved.text()).toBe(true);

  let rows: Row[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    const runId = await spawn(page, `Survey tracing UIs for agent runs (attempt ${attempt})`);
    await page.goto(`/runs/${runId}`);
    await page.getByTestId('run-view-trace').click();
    const waterfall = page.getByTestId('waterfall');
    await expect(waterfall).toBeVisible();
    // Live: spans appear while the run is still going.
    await expect(page.getByTestId('waterfall-row').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 60_000 });
    // Once the run has ended, no span is left open.
    await expect(page.locator('[data-testid="waterfall-row"][data-open="true"]')).toHaveCount(0);
    rows = await rowsOf(page);
    if (rows.some((r) => r.kind === 'agent' && r.name === 'invoke_agent leaf')) break;
  }

  const byId = new Map(rows.map((r) => [r.spanId, r]));
  const parentOf = (r: Row) => (r.parentSpanId ? byId.get(r.parentSpanId) : undefined);

  // One root, the run's; every other row's parent is a row, one level up, and comes before it.
  const roots = rows.filter((r) => !r.parentSpanId);
  expect(roots).toHaveLength(1);
  expect(roots[0]).toMatchObject({ kind: 'run', depth: 0, name: `invoke_workflow ${slug}` });
  expect(rows[0]!.spanId).toBe(roots[0]!.spanId);
  for (const [i, r] of rows.entries()) {
    if (!r.parentSpanId) continue;
    const parent = byId.get(r.parentSpanId);
    expect(parent, `the parent of ${r.name} is a row`).toBeDefined();
    expect(r.depth).toBe(parent!.depth + 1);
    expect(rows.findIndex((x) => x.spanId === parent!.spanId)).toBeLessThan(i);
  }

  /** The nearest agent row above a span (its agent, or for an agent span the agent that delegated to it). */
  const agentAbove = (r: Row): Row | undefined => {
    for (let p = parentOf(r); p; p = parentOf(p)) if (p.kind === 'agent') return p;
    return undefined;
  };

  // run → lead → (turn) → execute_tool delegate → mid → (turn) → execute_tool delegate → leaf.
  const leaf = rows.find((r) => r.kind === 'agent' && r.name === 'invoke_agent leaf');
  expect(leaf, 'a run with a second level of subagents (four attempts)').toBeDefined();
  const leafDelegate = parentOf(leaf!)!;
  expect(leafDelegate).toMatchObject({ kind: 'tool', name: 'execute_tool delegate' });
  const mid = agentAbove(leafDelegate)!;
  expect(mids.map((m) => `invoke_agent ${m}`)).toContain(mid.name);
  const midDelegate = parentOf(mid)!;
  expect(midDelegate).toMatchObject({ kind: 'tool', name: 'execute_tool delegate' });
  const lead = agentAbove(midDelegate)!;
  expect(lead).toMatchObject({ kind: 'agent', name: 'invoke_agent lead', depth: 1 });
  expect(parentOf(lead)).toBe(roots[0]);
  expect(leaf!.depth).toBeGreaterThan(mid.depth);
  // Every kind is there: turns hold the model and tool calls.
  for (const kind of ['run', 'agent', 'turn', 'llm', 'tool'])
    expect(
      rows.some((r) => r.kind === kind),
      kind,
    ).toBe(true);
  for (const r of rows.filter((x) => x.kind === 'llm' || x.kind === 'tool'))
    expect(parentOf(r)?.kind).toBe('turn');

  // Collapse the mid's subtree, then expand it again.
  const row = (spanId: string) =>
    page.locator(`[data-testid="waterfall-row"][data-span-id="${spanId}"]`);
  const total = rows.length;
  await row(mid.spanId).getByTestId('waterfall-toggle').click();
  await expect(row(leaf!.spanId)).toHaveCount(0);
  await expect(row(mid.spanId)).toHaveAttribute('data-collapsed', 'true');
  await row(mid.spanId).getByTestId('waterfall-toggle').click();
  await expect(page.getByTestId('waterfall-row')).toHaveCount(total);

  // Collapse all turns: agents and the run stay, the turns keep their rows but not their calls.
  await page.getByTestId('waterfall-collapse-turns').click();
  await expect(page.locator('[data-testid="waterfall-row"][data-kind="llm"]')).toHaveCount(0);
  await expect(row(lead.spanId)).toBeVisible();
  await page.getByTestId('waterfall-collapse-turns').click();
  await expect(page.getByTestId('waterfall-row')).toHaveCount(total);

  // Zoom: in with the button, out again with reset; a drag on the axis selects a range.
  await expect(page.getByTestId('waterfall-zoom-reset')).toBeDisabled();
  await page.getByTestId('waterfall-zoom-in').click();
  await expect(page.getByTestId('waterfall-zoom-reset')).toBeEnabled();
  await page.getByTestId('waterfall-zoom-reset').click();
  await expect(page.getByTestId('waterfall-zoom-reset')).toBeDisabled();
  const axis = await page.getByTestId('waterfall-axis').boundingBox();
  await page.mouse.move(axis!.x + axis!.width * 0.1, axis!.y + axis!.height / 2);
  await page.mouse.down();
  await page.mouse.move(axis!.x + axis!.width * 0.4, axis!.y + axis!.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('waterfall-zoom-reset')).toBeEnabled();
  await page.getByTestId('waterfall-zoom-reset').click();

  // A tool span's details: the delegate call, its arguments and output.
  await row(midDelegate.spanId).click();
  const details = page.getByTestId('span-details');
  await expect(details).toHaveAttribute('data-span-id', midDelegate.spanId);
  await expect(details).toContainText('Tool span');
  await expect(details).toContainText('delegate');
  await expect(details.getByTestId('span-args')).toContainText('"agent"');
  await expect(details).toContainText(mid.name.replace('invoke_agent ', ''));

  // A model span's details: model, tokens, cost, finish reason.
  const llm = rows.find((r) => r.kind === 'llm' && parentOf(parentOf(r)!)?.spanId === lead.spanId)!;
  await row(llm.spanId).click();
  await expect(details).toHaveAttribute('data-span-id', llm.spanId);
  for (const text of ['Model span', 'gpt-4o-mini', 'Tokens', 'Cost', 'Finish reason', 'tool_calls'])
    await expect(details).toContainText(text);

  await page
    .locator('main')
    .evaluate((el: { scrollTo(x: number, y: number): void }) => el.scrollTo(0, 0));
  await page.getByTestId('waterfall').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'waterfall.png') });
});
