import type { AgentState, RunState, ToolCallState } from './reducer';
import { isTerminalAgentStatus } from './reducer';

/**
 * What an agent's turn must do next, derived only from the log. A worker that
 * picks a turn up after a crash asks the same question and carries on where the
 * log stops: a recorded model response is reused, a dispatched call is resumed.
 */
export type TurnStep =
  | { kind: 'idle'; reason: string }
  | { kind: 'start-turn'; turn: number }
  | { kind: 'call-model'; turn: number }
  | { kind: 'dispatch-tool'; call: ToolCallState }
  /** Dispatched before a crash, never finished: re-run if idempotent, else a human decides. */
  | { kind: 'resume-tool'; call: ToolCallState }
  | { kind: 'finish-turn'; turn: number }
  | { kind: 'finish-agent'; result: string }
  | { kind: 'fail-agent'; error: string };

export interface StepLimits {
  maxTurns: number;
}

export function nextStep(run: RunState, agentId: string, limits: StepLimits): TurnStep {
  if (run.status !== 'running' && run.status !== 'paused')
    return { kind: 'idle', reason: `run is ${run.status}` };
  const agent = run.agents[agentId];
  if (!agent) return { kind: 'idle', reason: 'unknown agent' };
  if (isTerminalAgentStatus(agent.status))
    return { kind: 'idle', reason: `agent is ${agent.status}` };
  if (agent.status === 'waiting') return { kind: 'idle', reason: 'waiting for subagents' };
  if (agent.status === 'blocked')
    return { kind: 'idle', reason: 'waiting for a human decision on an interrupted tool call' };
  // Paused: no new turn starts; a turn in flight finishes unless the pause aborted it.
  const pause = run.pause ?? agent.pause;
  if (pause && (agent.status === 'ready' || pause.mode === 'abort-turn'))
    return { kind: 'idle', reason: 'paused' };
  if (agent.status === 'ready') {
    if (agent.turnsTaken >= limits.maxTurns) {
      return { kind: 'fail-agent', error: `turn limit reached (${limits.maxTurns} turns)` };
    }
    return { kind: 'start-turn', turn: agent.turnsTaken + 1 };
  }
  return stepInTurn(agent);
}

function stepInTurn(agent: AgentState): TurnStep {
  const turn = agent.turn;
  if (!turn || turn.finished) return { kind: 'idle', reason: 'no open turn' };
  if (!turn.llm || turn.llm.status === 'started') return { kind: 'call-model', turn: turn.turn };
  if (turn.llm.status === 'failed')
    return { kind: 'fail-agent', error: `model call failed: ${turn.llm.error ?? 'unknown error'}` };

  // A delegate whose child exists is not interrupted: it waits for the child's result.
  const interrupted = turn.toolCalls.find(
    (c) => c.status === 'dispatched' && !(c.tool === 'delegate' && c.childAgentId),
  );
  if (interrupted) return { kind: 'resume-tool', call: interrupted };
  const requested = turn.toolCalls.find((c) => c.status === 'requested');
  if (requested) return { kind: 'dispatch-tool', call: requested };
  if (turn.toolCalls.length === 0) return { kind: 'finish-agent', result: turn.llm.text ?? '' };
  return { kind: 'finish-turn', turn: turn.turn };
}

/**
 * The turn job an agent needs queued for the run to make progress, if any:
 * its next turn when it is ready, or its open turn when it is in the middle of
 * one (a worker died, or Redis lost the job). Waiting and ended agents need none.
 */
export function pendingTurnOf(run: RunState, agentId: string): number | null {
  if (run.status !== 'running') return null;
  const agent = run.agents[agentId];
  if (!agent || agent.pause) return null;
  if (agent.status === 'ready') return agent.turnsTaken + 1;
  if (agent.status === 'running' && agent.turn && !agent.turn.finished) return agent.turn.turn;
  return null;
}
