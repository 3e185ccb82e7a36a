import { reduceEvents, type RunState } from '../events/reducer';
import type { Actor, EventDraft } from '../events/schema';
import { AGENT, type LogBuilder, llmFinished, model, startedRun } from './event-builder';

const op: Actor = { kind: 'user', id: 'op' };

/** Agent ids for scripted teams: `agentId(1)` … */
export const agentId = (n: number) =>
  `00000000-0000-4000-8000-${(0x10000 + n).toString(16).padStart(12, '0')}`;

/**
 * Plays a team's work into a log, one complete turn at a time: each call is a
 * turn of its agent (turn started, model answered with the call, dispatched,
 * finished, turn finished). For breaker tests: what they count is in the log.
 */
export class TeamScript {
  readonly log: LogBuilder;
  private readonly turns = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private calls = 0;

  constructor() {
    this.log = startedRun();
    this.names.set(AGENT.lead, 'lead');
  }

  get lead(): string {
    return AGENT.lead;
  }

  private reduced: { state: RunState; count: number } | null = null;

  /** The state after every event so far (reduced incrementally: the log only grows). */
  state(): RunState {
    const from = this.reduced;
    const events = this.log.events;
    const state = from ? reduceEvents(events.slice(from.count), from.state) : reduceEvents(events);
    this.reduced = { state, count: events.length };
    return state;
  }

  add(draft: Parameters<LogBuilder['add']>[0]) {
    return this.log.add(draft);
  }

  private nextTurn(agent: string): number {
    const turn = (this.turns.get(agent) ?? 0) + 1;
    this.turns.set(agent, turn);
    return turn;
  }

  private modelTurn(
    agent: string,
    calls: Array<{ callId: string; tool: string; args: Record<string, unknown> }>,
    cost?: number,
  ) {
    const turn = this.nextTurn(agent);
    const callId = `${agent}.t${turn}.llm`;
    this.log.add({ type: 'agent.turn.started', agentId: agent, payload: { turn } });
    this.log.add({ type: 'llm.call.started', agentId: agent, payload: { callId, turn, model } });
    this.log.add({
      type: 'llm.call.finished',
      agentId: agent,
      payload: {
        ...llmFinished(callId, calls),
        ...(cost !== undefined ? { costMicroUsd: cost } : {}),
      },
    });
    return turn;
  }

  /** A worker agent spawned directly (as if delegated earlier), ready for turns. */
  spawn(n: number, name: string): string {
    const id = agentId(n);
    this.names.set(id, name);
    this.log.add({
      type: 'agent.spawned',
      agentId: id,
      payload: {
        parentAgentId: null,
        parentCallId: null,
        name,
        role: name,
        model,
        task: `work as ${name}`,
        depth: 1,
        toolScope: null,
      },
    });
    return id;
  }

  /** One turn of `agent` making one tool call, with its result. */
  call(
    agent: string,
    tool: string,
    args: Record<string, unknown>,
    result: { ok?: boolean; output?: string; cost?: number } = {},
  ): void {
    const callId = `c${++this.calls}`;
    this.modelTurn(agent, [{ callId, tool, args }], result.cost);
    this.log.add({ type: 'tool.call.dispatched', agentId: agent, payload: { callId, tool, args } });
    this.log.add({
      type: 'tool.call.finished',
      agentId: agent,
      payload: {
        callId,
        tool,
        ok: result.ok ?? true,
        output: result.output ?? `${tool} done`,
        durationMs: 1,
      },
    });
    this.log.add({
      type: 'agent.turn.finished',
      agentId: agent,
      payload: { turn: this.turns.get(agent)! },
    });
  }

  /** One turn whose call the gate refused. */
  refused(agent: string, tool: string, args: Record<string, unknown>): void {
    const callId = `c${++this.calls}`;
    this.modelTurn(agent, [{ callId, tool, args }]);
    this.log.add({
      type: 'gate.decided',
      agentId: agent,
      payload: {
        subject: 'tool',
        callId,
        tool,
        effect: 'deny',
        ruleId: null,
        source: 'scope',
        policyVersion: 'm1',
        reason: `tool "${tool}" is not available to this agent`,
      },
    });
    this.log.add({
      type: 'agent.turn.finished',
      agentId: agent,
      payload: { turn: this.turns.get(agent)! },
    });
  }

  /** A model call that failed (the turn then ends). */
  modelFailure(agent: string, error = 'HTTP 503: overloaded'): void {
    const turn = this.nextTurn(agent);
    const callId = `${agent}.t${turn}.llm`;
    this.log.add({ type: 'agent.turn.started', agentId: agent, payload: { turn } });
    this.log.add({ type: 'llm.call.started', agentId: agent, payload: { callId, turn, model } });
    this.log.add({
      type: 'llm.call.failed',
      agentId: agent,
      payload: { callId, error, retryable: true },
    });
    // (A real executor would fail the agent; scripts keep it going to count errors.)
    this.log.add({ type: 'agent.turn.finished', agentId: agent, payload: { turn } });
  }

  /**
   * One turn of `parent` delegating `task` to a new subagent `child`, which
   * answers `report` at once (or fails with it), then the parent's result.
   */
  delegate(
    parent: string,
    childNumber: number,
    childName: string,
    task: string,
    report: string,
    ok = true,
  ): string {
    const callId = `c${++this.calls}`;
    const args = { agent: childName, task };
    this.modelTurn(parent, [{ callId, tool: 'delegate', args }]);
    this.log.add({
      type: 'tool.call.dispatched',
      agentId: parent,
      payload: { callId, tool: 'delegate', args },
    });
    const child = agentId(childNumber);
    this.names.set(child, childName);
    this.log.add({
      type: 'agent.spawned',
      agentId: child,
      payload: {
        parentAgentId: parent,
        parentCallId: callId,
        name: childName,
        role: childName,
        model,
        task,
        depth: 1,
        toolScope: null,
      },
    });
    this.log.add({
      type: 'agent.turn.finished',
      agentId: parent,
      payload: { turn: this.turns.get(parent)! },
    });
    const turn = this.modelTurn(child, []);
    void turn;
    this.log.add(
      ok
        ? { type: 'agent.finished', agentId: child, payload: { result: report } }
        : { type: 'agent.failed', agentId: child, payload: { error: report } },
    );
    this.log.add({
      type: 'tool.call.finished',
      agentId: parent,
      payload: {
        callId,
        tool: 'delegate',
        ok,
        output: ok ? report : `subagent ${childName} failed: ${report}`,
        durationMs: 1,
      },
    });
    return child;
  }

  /** A delegation refused before any subagent exists (depth limit, unknown agent …). */
  refusedDelegation(
    parent: string,
    childName: string,
    task: string,
    why = 'children limit reached',
  ): void {
    const callId = `c${++this.calls}`;
    const args = { agent: childName, task };
    this.modelTurn(parent, [{ callId, tool: 'delegate', args }]);
    this.log.add({
      type: 'tool.call.dispatched',
      agentId: parent,
      payload: { callId, tool: 'delegate', args },
    });
    this.log.add({
      type: 'tool.call.finished',
      agentId: parent,
      payload: { callId, tool: 'delegate', ok: false, output: why, durationMs: 0 },
    });
    this.log.add({
      type: 'agent.turn.finished',
      agentId: parent,
      payload: { turn: this.turns.get(parent)! },
    });
  }

  /** A person's reset of a breaker. */
  reset(
    breaker: string,
    kind: EventDraftPayload<'breaker.closed'>['kind'],
    reason = 'looked at it',
  ): void {
    this.log.add({
      type: 'breaker.closed',
      agentId: null,
      payload: { breaker, kind, by: op, reason },
    });
  }
}

type EventDraftPayload<T extends EventDraft['type']> = Extract<EventDraft, { type: T }>['payload'];
