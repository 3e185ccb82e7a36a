import { randomUUID } from 'node:crypto';
import {
  newSpanId,
  newTraceId,
  parseManifest,
  type EventDraft,
  type Manifest,
} from '@flightdeck/domain';
import type { Db } from '../client';
import { insertRun, type RunRecord } from '../runs/run-repository';
import { saveTeamManifest } from '../teams/team-repository';

export const RESEARCH_SOURCE = `
name: research
description: A lead that delegates reading to a researcher.
lead: lead
agents:
  lead:
    role: Plans the work and delegates it
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.read, fs.list]
    delegates: [researcher]
    models: [openai/gpt-4o-mini]
  researcher:
    role: Reads files and reports
    model: openai/gpt-4o-mini
    tools: [fs.read, fs.list]
    limits: { maxTurns: 5 }
policy:
  rules:
    - { id: read, tool: 'fs.*', effect: allow }
    - { id: delegate, tool: delegate, effect: allow }
`;

export function manifestFrom(source: string): Manifest {
  const parsed = parseManifest(source);
  if (!parsed.ok) throw new Error(`fixture manifest is invalid: ${JSON.stringify(parsed.issues)}`);
  return parsed.manifest;
}

/** A team from `source` (default: research) and a pending run of it. */
export async function createRun(db: Db, source = RESEARCH_SOURCE): Promise<RunRecord> {
  const team = await saveTeamManifest(db, { manifest: manifestFrom(source), source });
  return insertRun(db, {
    id: randomUUID(),
    teamId: team.teamId,
    manifestVersion: team.version,
    goal: 'Summarize the repo',
    seed: 42,
  });
}

/** Builds valid drafts with a fixed trace and increasing timestamps. */
export class Drafts {
  readonly traceId = newTraceId();
  private clock = Date.parse('2026-11-22T10:00:00.000Z');

  private envelope(agentId: string | null) {
    this.clock += 1;
    return {
      at: new Date(this.clock).toISOString(),
      agentId,
      traceId: this.traceId,
      spanId: newSpanId(),
      parentSpanId: null,
    };
  }

  runStarted(run: RunRecord): EventDraft {
    return {
      ...this.envelope(null),
      type: 'run.started',
      payload: {
        teamId: run.teamId,
        teamName: 'research',
        manifestVersion: run.manifestVersion,
        goal: run.goal,
        seed: run.seed,
        by: { kind: 'user', id: 'ada' },
      },
    };
  }

  agentSpawned(
    agentId: string,
    parent: { agentId: string; callId: string } | null = null,
    depth = 0,
  ): EventDraft {
    return {
      ...this.envelope(agentId),
      type: 'agent.spawned',
      payload: {
        parentAgentId: parent?.agentId ?? null,
        parentCallId: parent?.callId ?? null,
        name: depth === 0 ? 'lead' : 'researcher',
        role: depth === 0 ? 'Plans the work' : 'Reads files',
        model: { provider: 'simulated', name: 'gpt-4o-mini' },
        task: 'Summarize the repo',
        depth,
        toolScope: null,
      },
    };
  }

  turnStarted(agentId: string, turn: number): EventDraft {
    return { ...this.envelope(agentId), type: 'agent.turn.started', payload: { turn } };
  }

  turnFinished(agentId: string, turn: number): EventDraft {
    return { ...this.envelope(agentId), type: 'agent.turn.finished', payload: { turn } };
  }

  llmCall(
    agentId: string,
    turn: number,
    callId: string,
    usage: { inputTokens: number; outputTokens: number },
    costMicroUsd: number,
  ): EventDraft[] {
    return [
      {
        ...this.envelope(agentId),
        type: 'llm.call.started',
        payload: { callId, turn, model: { provider: 'simulated', name: 'gpt-4o-mini' } },
      },
      {
        ...this.envelope(agentId),
        type: 'llm.call.finished',
        payload: {
          callId,
          text: 'Done: "quoted", back\\slash, ünïcødé {json}',
          toolCalls: [],
          usage,
          costMicroUsd,
          priceVersion: 'test-1',
          latencyMs: 12.5,
          finishReason: 'stop',
        },
      },
    ];
  }

  agentFinished(agentId: string): EventDraft {
    return { ...this.envelope(agentId), type: 'agent.finished', payload: { result: 'summary' } };
  }

  runCompleted(): EventDraft {
    return { ...this.envelope(null), type: 'run.completed', payload: { result: 'summary' } };
  }

  runKilled(): EventDraft {
    return {
      ...this.envelope(null),
      type: 'run.killed',
      payload: { by: { kind: 'user', id: 'ada' }, reason: 'enough' },
    };
  }
}
