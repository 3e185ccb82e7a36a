import type { EventDraft, RunEvent } from '@flightdeck/domain';

/**
 * A large, valid run log for the replay benchmark, built without running
 * anything: a lead delegates to `workers` subagents at once; each works
 * `turns` turns (a model call asking for one tool call, the gate, the call,
 * its result, a workspace commit), their events interleaved as concurrent
 * agents' are; every 50th call fails, every 200th write waits for an approval
 * that is then decided; then each reports back and the lead finishes.
 */

export interface SyntheticRunOptions {
  runId: string;
  /** The team the log names (default a made-up id). */
  teamId?: string;
  teamName?: string;
  workers: number;
  turns: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const uuid = (n: number) => `00000000-0000-4000-8000-${hex(n, 12)}`;
const sha = (n: number) => hex(n, 40);
const MODEL = { provider: 'simulated', name: 'gpt-4o-mini' } as const;

export function syntheticRun(options: SyntheticRunOptions): RunEvent[] {
  const events: RunEvent[] = [];
  let span = 0;
  const start = Date.UTC(2026, 10, 1, 9, 0, 0);
  const add = (draft: Omit<EventDraft, 'at' | 'traceId' | 'spanId' | 'parentSpanId'>) => {
    const seq = events.length + 1;
    events.push({
      runId: options.runId,
      seq,
      version: 1,
      at: new Date(start + seq * 37).toISOString(),
      traceId: 'a'.repeat(32),
      spanId: hex(++span, 16),
      parentSpanId: null,
      ...draft,
    } as RunEvent);
  };
  const lead = uuid(1);
  const workers = Array.from({ length: options.workers }, (_, i) => uuid(100 + i));
  let commit = 0;

  add({
    type: 'run.started',
    agentId: null,
    payload: {
      teamId: options.teamId ?? uuid(9999),
      teamName: options.teamName ?? 'replay-bench',
      manifestVersion: 1,
      goal: 'A very long run',
      seed: 1,
      by: { kind: 'user', id: 'bench' },
    },
  });
  add({
    type: 'agent.spawned',
    agentId: lead,
    payload: {
      parentAgentId: null,
      parentCallId: null,
      name: 'lead',
      role: 'Lead',
      model: MODEL,
      task: 'A very long run',
      depth: 0,
      toolScope: null,
    },
  });
  const delegateCalls = workers.map((_, i) => ({
    callId: `${lead}.t1.c${i + 1}`,
    tool: 'delegate',
    args: { agent: 'worker', task: `part ${i + 1}` },
  }));
  add({ type: 'agent.turn.started', agentId: lead, payload: { turn: 1 } });
  add({
    type: 'llm.call.started',
    agentId: lead,
    payload: { callId: `${lead}.t1.llm`, turn: 1, model: MODEL },
  });
  add({
    type: 'llm.call.finished',
    agentId: lead,
    payload: {
      callId: `${lead}.t1.llm`,
      text: 'Split the work.',
      toolCalls: delegateCalls,
      usage: { inputTokens: 500, outputTokens: 80 },
      costMicroUsd: 120,
      priceVersion: 'bench',
      latencyMs: 400,
      finishReason: 'tool_calls',
    },
  });
  workers.forEach((worker, i) => {
    const call = delegateCalls[i]!;
    add({ type: 'tool.call.dispatched', agentId: lead, payload: call });
    add({
      type: 'agent.spawned',
      agentId: worker,
      payload: {
        parentAgentId: lead,
        parentCallId: call.callId,
        name: 'worker',
        role: 'Worker',
        model: MODEL,
        task: `part ${i + 1}`,
        depth: 1,
        toolScope: null,
      },
    });
  });
  add({ type: 'agent.turn.finished', agentId: lead, payload: { turn: 1 } });

  let calls = 0;
  for (let turn = 1; turn <= options.turns + 1; turn++) {
    for (const worker of workers) {
      const llm = `${worker}.t${turn}.llm`;
      add({ type: 'agent.turn.started', agentId: worker, payload: { turn } });
      add({
        type: 'gate.decided',
        agentId: worker,
        payload: {
          subject: 'model',
          callId: llm,
          tool: 'model',
          effect: 'allow',
          ruleId: null,
          source: 'scope',
          policyVersion: 'm1',
          reason: 'declared model',
        },
      });
      add({
        type: 'llm.call.started',
        agentId: worker,
        payload: { callId: llm, turn, model: MODEL },
      });
      const last = turn === options.turns + 1;
      const callId = `${worker}.t${turn}.c1`;
      const path = `notes/${worker.slice(-4)}-${turn}.md`;
      const args = { path, content: `# Note ${turn}\n\n- finding ${turn}\n- and another\n` };
      add({
        type: 'llm.call.finished',
        agentId: worker,
        payload: {
          callId: llm,
          text: last ? `Report: ${options.turns} notes written.` : `Next: write ${path}.`,
          toolCalls: last ? [] : [{ callId, tool: 'fs.write', args }],
          usage: { inputTokens: 200 + turn * 30, outputTokens: 60 },
          costMicroUsd: 40,
          priceVersion: 'bench',
          latencyMs: 350,
          finishReason: last ? 'stop' : 'tool_calls',
        },
      });
      if (last) {
        add({ type: 'agent.finished', agentId: worker, payload: { result: 'notes written' } });
        add({
          type: 'tool.call.finished',
          agentId: lead,
          payload: {
            callId: delegateCalls[workers.indexOf(worker)]!.callId,
            tool: 'delegate',
            ok: true,
            output: 'notes written',
            durationMs: 0,
          },
        });
        continue;
      }
      calls += 1;
      const ask = calls % 200 === 0;
      add({
        type: 'gate.decided',
        agentId: worker,
        payload: {
          subject: 'tool',
          callId,
          tool: 'fs.write',
          effect: ask ? 'ask' : 'allow',
          ruleId: ask ? 'publish' : 'notes',
          source: 'manifest',
          policyVersion: 'm1',
          reason: ask ? 'a human checks every 200th note' : 'notes are fine',
        },
      });
      if (ask) {
        const approvalId = uuid(1_000_000 + calls);
        add({
          type: 'approval.requested',
          agentId: worker,
          payload: {
            approvalId,
            callId,
            tool: 'fs.write',
            args,
            fingerprint: 'f'.repeat(64),
            ruleId: 'publish',
            reason: 'a human checks every 200th note',
            risk: null,
            diff: null,
            requestedBy: { kind: 'user', id: 'bench' },
            settings: {
              approverRoles: ['approver'],
              quorum: 1,
              ttlSeconds: 900,
              warnBeforeSeconds: 60,
              onExpiry: 'deny',
              teamScoped: true,
            },
            warnAt: new Date(start).toISOString(),
            expiresAt: new Date(start).toISOString(),
          },
        });
        add({
          type: 'approval.decided',
          agentId: worker,
          payload: {
            approvalId,
            callId,
            outcome: 'approved',
            by: { kind: 'user', id: 'approver' },
            reason: '',
            applied: 'allow',
            args,
            fingerprint: 'f'.repeat(64),
            edited: false,
            allowRuleForRun: false,
          },
        });
        add({
          type: 'gate.decided',
          agentId: worker,
          payload: {
            subject: 'tool',
            callId,
            tool: 'fs.write',
            effect: 'allow',
            ruleId: 'publish',
            source: 'approval',
            policyVersion: 'm1',
            reason: 'approved',
          },
        });
      }
      add({
        type: 'tool.call.dispatched',
        agentId: worker,
        payload: { callId, tool: 'fs.write', args },
      });
      const ok = calls % 50 !== 0;
      add({
        type: 'tool.call.finished',
        agentId: worker,
        payload: {
          callId,
          tool: 'fs.write',
          ok,
          output: ok ? `wrote ${args.content.length} bytes to ${path}` : 'no space left',
          durationMs: 3,
        },
      });
      if (ok) {
        commit += 1;
        add({
          type: 'workspace.committed',
          agentId: worker,
          payload: {
            callId,
            commit: sha(commit),
            tree: sha(1_000_000 + commit),
            parent: commit > 1 ? sha(commit - 1) : null,
            files: [{ path, change: 'added' }],
            moreFiles: 0,
          },
        });
      }
      add({ type: 'agent.turn.finished', agentId: worker, payload: { turn } });
    }
  }
  // The lead merges the reports and ends the run.
  add({ type: 'agent.turn.started', agentId: lead, payload: { turn: 2 } });
  add({
    type: 'llm.call.started',
    agentId: lead,
    payload: { callId: `${lead}.t2.llm`, turn: 2, model: MODEL },
  });
  add({
    type: 'llm.call.finished',
    agentId: lead,
    payload: {
      callId: `${lead}.t2.llm`,
      text: 'Done.',
      toolCalls: [],
      usage: { inputTokens: 900, outputTokens: 40 },
      costMicroUsd: 90,
      priceVersion: 'bench',
      latencyMs: 300,
      finishReason: 'stop',
    },
  });
  add({ type: 'agent.finished', agentId: lead, payload: { result: 'Done.' } });
  add({ type: 'run.completed', agentId: null, payload: { result: 'Done.' } });
  return events;
}

const WORKERS = 40;

/** Workers and turns for a log of at least `target` events (≈ 9 events per worker turn). */
export function shapeFor(target: number): { workers: number; turns: number } {
  return { workers: WORKERS, turns: Math.max(1, Math.ceil(target / WORKERS / 9)) };
}

/** A team a synthetic run of `shapeFor`'s shape can be stored under: its lead and workers, all allowed. */
export function syntheticTeam(name: string): string {
  return `
name: ${name}
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write]
    delegates: [worker]
  worker:
    role: Worker
    model: simulated/gpt-4o-mini
    tools: [fs.write]
limits: { maxChildrenPerAgent: ${WORKERS}, maxConcurrentAgents: ${WORKERS + 1} }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
`;
}
