import {
  type Actor,
  type AgentState,
  coveringBreakers,
  type EventDraft,
  isTerminalAgentStatus,
  newSpanId,
  type PauseMode,
  type RunState,
  type ToolCallResolution,
} from '@flightdeck/domain';
import { publishControl } from '../../control/bus';
import type { Engine } from '../../engine';
import { recordEvents } from '../../record-events';
import { removeQueuedJob } from '../../jobs/queues';
import { killRun } from '../kill-run';
import {
  conflict,
  controlDraft,
  record,
  requeuePendingTurns,
  requireAgent,
  requireRun,
} from './run-control-context';

function requireLive(state: RunState, agentId: string, action: string): AgentState {
  const agent = requireAgent(state, agentId);
  if (state.status !== 'running' && state.status !== 'paused')
    throw conflict(`The run is ${state.status}: nothing to ${action}.`);
  if (isTerminalAgentStatus(agent.status))
    throw conflict(`Agent ${agent.name} has ended (${agent.status}): nothing to ${action}.`);
  return agent;
}

/** The agent and every live agent below it, deepest first. */
function liveSubtree(state: RunState, agent: AgentState): AgentState[] {
  const below = agent.children.flatMap((id) => {
    const child = state.agents[id];
    return child ? liveSubtree(state, child) : [];
  });
  return [...below, ...(isTerminalAgentStatus(agent.status) ? [] : [agent])];
}

/**
 * Kill one agent and its subagents while the rest of the team goes on. The
 * parent hears of it as the failed result of the delegate call that made it.
 * Killing the lead kills the run.
 */
export async function killAgent(
  engine: Engine,
  input: { runId: string; agentId: string; by: Actor; reason: string },
) {
  const state = await requireRun(engine, input.runId);
  const agent = requireLive(state, input.agentId, 'kill');
  if (!agent.parentId) {
    const result = await killRun(engine, {
      runId: input.runId,
      by: input.by,
      reason: input.reason,
    });
    return { killed: result.status === 'killed' ? state.agentOrder.length : 0, run: result.status };
  }
  const reason = input.reason.trim() || 'killed by an operator';
  const victims = liveSubtree(state, agent);
  const drafts: EventDraft[] = victims.map((victim) =>
    controlDraft(state, 'agent.killed', { by: input.by, reason }, victim),
  );
  const parent = state.agents[agent.parentId];
  const parentCall = parent?.turn?.toolCalls.find((c) => c.callId === agent.parentCallId);
  if (
    parent &&
    parentCall &&
    parentCall.status !== 'finished' &&
    !isTerminalAgentStatus(parent.status)
  ) {
    drafts.push({
      type: 'tool.call.finished',
      at: new Date().toISOString(),
      agentId: parent.id,
      traceId: state.traceId ?? '0'.repeat(32),
      spanId: parentCall.spanId ?? newSpanId(),
      parentSpanId: parent.turn?.spanId ?? parent.spanId,
      payload: {
        callId: parentCall.callId,
        tool: 'delegate',
        ok: false,
        output: `subagent ${agent.name} was killed by ${input.by.id}: ${reason}`,
        durationMs: 0,
      },
    });
  }
  const ids = victims.map((v) => v.id);
  await record(engine, input.runId, drafts, {
    actor: input.by,
    action: 'agent.killed',
    target: { runId: input.runId, agentId: agent.id },
    detail: { reason, agentIds: ids },
  });
  await publishControl(engine.redis, {
    type: 'agents.abort',
    runId: input.runId,
    agentIds: ids,
    reason: `agent killed: ${reason}`,
  });
  await Promise.all(
    victims.map((v) =>
      removeQueuedJob(engine.queues, 'agent.turn', {
        runId: input.runId,
        agentId: v.id,
        turn: v.turnsTaken + 1,
      }),
    ),
  );
  if (parent) await requeuePendingTurns(engine, input.runId, [parent.id]);
  return { killed: ids.length, run: 'running' as const };
}

export async function pauseAgent(
  engine: Engine,
  input: { runId: string; agentId: string; by: Actor; reason: string; mode: PauseMode },
) {
  const state = await requireRun(engine, input.runId);
  const agent = requireLive(state, input.agentId, 'pause');
  if (agent.pause) throw conflict(`Agent ${agent.name} is already paused.`);
  await record(
    engine,
    input.runId,
    [
      controlDraft(
        state,
        'agent.paused',
        { by: input.by, reason: input.reason, mode: input.mode },
        agent,
      ),
    ],
    {
      actor: input.by,
      action: 'agent.paused',
      target: { runId: input.runId, agentId: agent.id },
      detail: { reason: input.reason, mode: input.mode },
    },
  );
  if (input.mode === 'abort-turn') {
    await publishControl(engine.redis, {
      type: 'agents.abort',
      runId: input.runId,
      agentIds: [agent.id],
      reason: 'agent paused',
    });
  }
  return { paused: true };
}

export async function resumeAgent(
  engine: Engine,
  input: { runId: string; agentId: string; by: Actor },
) {
  const state = await requireRun(engine, input.runId);
  const agent = requireLive(state, input.agentId, 'resume');
  if (!agent.pause) throw conflict(`Agent ${agent.name} is not paused.`);
  const holding = coveringBreakers(state, agent.id).find((b) => b.opened?.agents.length);
  if (holding)
    throw conflict(
      `A circuit breaker holds ${agent.name} (${holding.key}): reset it, saying why, before resuming.`,
    );
  await record(
    engine,
    input.runId,
    [controlDraft(state, 'agent.resumed', { by: input.by }, agent)],
    {
      actor: input.by,
      action: 'agent.resumed',
      target: { runId: input.runId, agentId: agent.id },
    },
  );
  await requeuePendingTurns(engine, input.runId, [agent.id]);
  return { paused: false };
}

/** Give an agent an operator message, delivered at the start of its next turn. */
export async function steerAgent(
  engine: Engine,
  input: { runId: string; agentId: string; by: Actor; message: string },
) {
  const state = await requireRun(engine, input.runId);
  const agent = requireLive(state, input.agentId, 'steer');
  const message = input.message.trim();
  if (!message) throw conflict('A steering message cannot be empty.');
  const [event] = await record(
    engine,
    input.runId,
    [controlDraft(state, 'agent.steered', { by: input.by, message }, agent)],
    {
      actor: input.by,
      action: 'agent.steered',
      target: { runId: input.runId, agentId: agent.id },
      detail: { message },
    },
  );
  return { seq: event?.seq ?? 0 };
}

/** A human's decision on a tool call a crash left with an unknown outcome. */
export async function resolveToolCall(
  engine: Engine,
  input: {
    runId: string;
    agentId: string;
    callId: string;
    by: Actor;
    resolution: ToolCallResolution;
    output?: string;
  },
) {
  const state = await requireRun(engine, input.runId);
  const agent = requireLive(state, input.agentId, 'resolve');
  const call = agent.turn?.toolCalls.find((c) => c.callId === input.callId);
  if (!call) throw conflict(`No tool call ${input.callId} in the current turn of ${agent.name}.`);
  if (call.status !== 'interrupted')
    throw conflict(
      `Tool call ${input.callId} is ${call.status}: only an interrupted call takes a decision.`,
    );
  // Fenced: of two racing decisions on one call, one is recorded.
  await recordEvents(
    engine,
    input.runId,
    [
      controlDraft(
        state,
        'tool.call.resolved',
        {
          callId: call.callId,
          by: input.by,
          resolution: input.resolution,
          output: input.output ?? '',
        },
        agent,
      ),
    ],
    {
      fence: { agentId: agent.id, lastSeq: agent.lastSeq },
      audit: {
        actor: input.by,
        action: 'tool.call.resolved',
        target: { runId: input.runId, agentId: agent.id },
        detail: { callId: call.callId, tool: call.tool, resolution: input.resolution },
      },
    },
  );
  await requeuePendingTurns(engine, input.runId, [agent.id]);
  return { resolution: input.resolution };
}
