import { readAllEvents } from '@flightdeck/db';
import { decideApproval, listApprovalRecords, saveTeam, spawnRun } from '@flightdeck/engine';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, operator, startHarness, waitFor } from './test/harness';

let harness: Harness;
const TEAM = `
name: race
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini, tools: [fs.write] }
simulation: { latencyMs: 0, errorRate: 0, minSteps: 1, maxSteps: 1 }
policy: { rules: [{ id: publish, tool: fs.write, effect: ask }] }
`;

beforeAll(async () => {
  harness = await startHarness('approval-race');
  await saveTeam(harness.engine, { source: TEAM });
}, 60_000);
afterAll(() => harness.close());

// The decision often lands while the job that parked the agent is still active (BullMQ has not
// completed it yet), so the decision cannot replace it: the agent must go on all the same.
it('resumes an agent whose approval is decided the moment it appears, every time', async () => {
  const { engine } = harness;
  for (let i = 0; i < 25; i++) {
    const { runId } = await spawnRun(engine, { teamSlug: 'race', goal: `race ${i}`, by: operator });
    const [approval] = await waitFor('the approval', async () => {
      const pending = await listApprovalRecords(engine, { state: 'pending', runId });
      return pending.length ? pending : null;
    });
    await decideApproval(engine, {
      runId,
      approvalId: approval!.id,
      decision: 'approve',
      fingerprint: approval!.fingerprint,
      by: { actor: { kind: 'user', id: 'ann' }, roles: ['approver'], teams: 'all' },
    });
    const ran = await waitFor(
      `run ${i} to run the approved call`,
      async () =>
        (await readAllEvents(engine.db, runId)).some((e) => e.type === 'tool.call.dispatched'),
      10_000,
    );
    expect(ran).toBe(true);
  }
}, 300_000);
