import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createToolRegistry,
  type ProviderRegistry,
  simulatedProvider,
  type Tool,
} from '@flightdeck/agents';
import { readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  type EventDraft,
  newSpanId,
  reduceEvents,
  type RunEvent,
  type RunState,
  type ToolCallRequest,
} from '@flightdeck/domain';
import {
  createEngine,
  type Engine,
  getRun,
  readDemoTeamSources,
  recordEvents,
  spawnRun,
} from '@flightdeck/engine';
import { createLogger } from '@flightdeck/telemetry';
import { redisUrl, type TestDatabase, uniqueRedisPrefix } from '@flightdeck/testing';
import { startTurnWorker, type TurnWorker } from '../turn-worker';

export const operator = { kind: 'user', id: 'test-operator' } as const;

/** A real engine on a fresh database and Redis prefix, with in-process workers. */
export interface Harness {
  engine: Engine;
  workers: TurnWorker[];
  close(): Promise<void>;
}

export async function startHarness(
  label: string,
  options: { workers?: number; extraTools?: Tool[]; providers?: ProviderRegistry } = {},
): Promise<Harness> {
  const database: TestDatabase = await createMigratedTestDatabase(label);
  const engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: uniqueRedisPrefix(label),
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-ws-')),
  });
  const tools = new Map(createToolRegistry());
  for (const tool of options.extraTools ?? []) tools.set(tool.name, tool);
  const deps = {
    engine,
    providers: options.providers ?? { simulated: simulatedProvider },
    tools,
    log: createLogger('test'),
  };
  const workers: TurnWorker[] = [];
  for (let i = 0; i < (options.workers ?? 2); i++)
    workers.push(await startTurnWorker(deps, { concurrency: 10, name: `${label}-worker-${i}` }));
  return {
    engine,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
      await engine.close();
      await database.drop();
    },
  };
}

/** The shipped demo team under another name, with its simulated latency set for tests. */
export async function demoSource(latencyMs: number, slug: string): Promise<string> {
  const [demo] = await readDemoTeamSources();
  return demo!.source
    .replace('name: demo-research', `name: ${slug}`)
    .replace(/latencyMs: \d+/, `latencyMs: ${latencyMs}`);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runState(
  engine: Engine,
  runId: string,
): Promise<{ events: RunEvent[]; state: RunState }> {
  const events = await readAllEvents(engine.db, runId);
  return { events, state: reduceEvents(events) };
}

export async function waitForStatus(
  engine: Engine,
  runId: string,
  status: string,
  timeoutMs = 30_000,
) {
  return waitFor(
    `run ${runId} to be ${status}`,
    async () => (await getRun(engine, { runId }))?.status === status,
    timeoutMs,
  );
}

/**
 * Spawn a run whose lead's first turn is scripted: the model "asked" for
 * `toolCalls` (and, with `dispatched`, the first of them was dispatched before
 * a "crash"). Workers are paused while the events are written.
 */
export async function spawnWithScriptedLeadTurn(
  harness: Harness,
  input: {
    teamSlug: string;
    goal: string;
    toolCalls: (leadId: string) => ToolCallRequest[];
    dispatched?: boolean;
  },
): Promise<{ runId: string; leadId: string; toolCalls: ToolCallRequest[] }> {
  const { engine } = harness;
  for (const w of harness.workers) await w.worker.pause();
  const { runId } = await spawnRun(engine, {
    teamSlug: input.teamSlug,
    goal: input.goal,
    by: operator,
  });
  const { state } = await runState(engine, runId);
  const lead = state.agents[state.leadAgentId!]!;
  const toolCalls = input.toolCalls(lead.id);
  const base = {
    at: new Date().toISOString(),
    agentId: lead.id,
    traceId: state.traceId!,
    parentSpanId: lead.spanId,
  };
  const drafts: EventDraft[] = [
    { ...base, type: 'agent.turn.started', spanId: newSpanId(), payload: { turn: 1 } },
    {
      ...base,
      type: 'llm.call.started',
      spanId: newSpanId(),
      payload: { callId: 'm', turn: 1, model: lead.model },
    },
    {
      ...base,
      type: 'llm.call.finished',
      spanId: newSpanId(),
      payload: {
        callId: 'm',
        text: 'scripted',
        toolCalls,
        usage: { inputTokens: 1, outputTokens: 1 },
        costMicroUsd: 0,
        priceVersion: 'test',
        latencyMs: 0,
        finishReason: 'tool_calls',
      },
    },
  ];
  if (input.dispatched && toolCalls[0])
    drafts.push({
      ...base,
      type: 'tool.call.dispatched',
      spanId: newSpanId(),
      payload: toolCalls[0],
    });
  await recordEvents(engine, runId, drafts);
  for (const w of harness.workers) await w.worker.resume();
  return { runId, leadId: lead.id, toolCalls };
}
