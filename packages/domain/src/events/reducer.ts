import type { ApprovalSettings } from '../policy/rules';
import { type BreakerBoard, emptyBreakerBoard, trackBreakers } from '../breakers/board';
import { initialBudgetState, reduceBudget, type RunBudgetState } from '../budget/state';
import type {
  Actor,
  ApprovalOutcome,
  EventOf,
  ForkEdits,
  ModelRef,
  PauseMode,
  RunEvent,
  ToolCallRequest,
  Usage,
} from './schema';

/**
 * The one reducer: state(run, at seq N) = events[1..N].reduce(applyEvent, initialRunState).
 * Pure and total: the worker, the browser and the tests all run this same code.
 */

/**
 * The shape of a stored RunState (a server-side snapshot is this JSON at a seq).
 * Bump it whenever the reducer or RunState changes what a state holds: stored
 * snapshots of another format are ignored and recomputed from the log.
 */
export const RUN_STATE_FORMAT = 1;

export const RUN_STATUSES = [
  'pending',
  'running',
  'paused',
  'completed',
  'failed',
  'killed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/**
 * ready: a turn should be queued · running: in a turn · waiting: for its subagents ·
 * blocked: for a human decision (an approval, or an interrupted tool call) · done / failed / killed: ended.
 */
export type AgentStatus =
  'ready' | 'running' | 'waiting' | 'blocked' | 'done' | 'failed' | 'killed';

export interface Pause {
  mode: PauseMode;
  by: Actor;
  reason: string;
  seq: number;
}

export interface Totals {
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  llmCalls: number;
  toolCalls: number;
  turns: number;
}

export type Message =
  | { role: 'user'; content: string; seq: number }
  | { role: 'assistant'; content: string; toolCalls: ToolCallRequest[]; seq: number }
  | { role: 'tool'; callId: string; tool: string; ok: boolean; content: string; seq: number };

export type ToolCallStatus =
  | 'requested'
  /** The gate asked a human: the agent is parked until the approval is decided. */
  | 'awaiting-approval'
  | 'dispatched'
  | 'interrupted'
  | 'finished';

export type GateVerdict = Omit<EventOf<'gate.decided'>['payload'], 'subject' | 'callId' | 'tool'>;

export interface ToolCallState extends ToolCallRequest {
  status: ToolCallStatus;
  /** The gate's last decision on this call. */
  gate?: GateVerdict;
  /** The approval it waits for or waited for. */
  approvalId?: string;
  /** An approval allowed exactly this call (its fingerprint): the gate lets it through once. */
  approved?: { approvalId: string; fingerprint: string };
  spanId?: string;
  ok?: boolean;
  output?: string;
  /** For `delegate`: the child agent it spawned. */
  childAgentId?: string;
}

export interface TurnState {
  turn: number;
  spanId: string;
  llm: {
    callId: string;
    spanId: string;
    status: 'started' | 'finished' | 'failed';
    text?: string;
    error?: string;
  } | null;
  toolCalls: ToolCallState[];
  finished: boolean;
}

export interface AgentState {
  id: string;
  parentId: string | null;
  parentCallId: string | null;
  name: string;
  role: string;
  model: ModelRef;
  task: string;
  depth: number;
  /** Tools a delegate call narrowed this agent to; null: all its manifest grants. */
  toolScope: string[] | null;
  /** A fork replaced the manifest's system prompt of this agent. */
  system?: string;
  status: AgentStatus;
  /** The agent's span: its turns are children of it. */
  spanId: string;
  spawnedSeq: number;
  lastSeq: number;
  /** The turn in progress or last finished (0 before the first). */
  turn: TurnState | null;
  turnsTaken: number;
  messages: Message[];
  /** Operator messages waiting for the agent's next turn. */
  pendingSteers: Message[];
  /** Set while an operator has paused this agent. */
  pause: Pause | null;
  children: string[];
  totals: Totals;
  /** What the agent is doing now, in a few words, for the team tree. */
  activity: string;
  result?: string;
  error?: string;
}

export type ApprovalStatus = ApprovalOutcome | 'pending' | 'cancelled';

export interface ApprovalState {
  id: string;
  agentId: string;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  fingerprint: string;
  ruleId: string | null;
  reason: string;
  risk: string | null;
  diff: EventOf<'approval.requested'>['payload']['diff'];
  requestedBy: Actor;
  settings: ApprovalSettings;
  requestedAt: string;
  warnAt: string;
  expiresAt: string;
  requestedSeq: number;
  /** cancelled: its agent or run ended before anyone decided. */
  status: ApprovalStatus;
  warned: boolean;
  votes: Array<{
    by: Actor;
    fingerprint: string;
    args: Record<string, unknown>;
    reason: string;
    at: string;
  }>;
  decision?: Omit<EventOf<'approval.decided'>['payload'], 'approvalId' | 'callId' | 'outcome'> & {
    at: string;
    seq: number;
  };
}

/** The run's workspace as its history repository last recorded it. */
export interface WorkspaceState {
  /** The last recorded commit (null: nothing recorded yet, the empty workspace). */
  commit: string | null;
  tree: string | null;
  /** Seq of the event that recorded it (0: none). */
  seq: number;
  /** How many commits were recorded (tool calls that changed files, and rollbacks). */
  commits: number;
}

/** Where a forked run came from. */
export interface ForkOrigin {
  runId: string;
  seq: number;
  by: Actor;
  /** Seq of this run's `run.forked`: events before it are the origin's, none of them ran here. */
  forkSeq: number;
  edits: ForkEdits;
}

export interface RunState {
  runId: string | null;
  /** Who started the run: its agents act for them. */
  startedBy: Actor | null;
  status: RunStatus;
  traceId: string | null;
  /** The run's root span: agents hang below it. */
  rootSpanId: string | null;
  teamId: string | null;
  teamName: string | null;
  manifestVersion: number | null;
  goal: string;
  seed: number;
  lastSeq: number;
  startedAt: string | null;
  endedAt: string | null;
  leadAgentId: string | null;
  /** Set while an operator has paused the whole run. */
  pause: Pause | null;
  agents: Record<string, AgentState>;
  /** Agent ids in spawn order. */
  agentOrder: string[];
  approvals: Record<string, ApprovalState>;
  /** `ask` rules an approver allowed for the rest of the run. */
  allowedRules: string[];
  totals: Totals;
  /** The circuit breakers: their thresholds, states, and what they count (breakers/board.ts). */
  breakers: BreakerBoard;
  /** Limits in force, slices, reservations in flight, warnings and the budget stop (budget/state.ts). */
  budget: RunBudgetState;
  workspace: WorkspaceState;
  /** Set when this run is a fork of another. */
  forkedFrom: ForkOrigin | null;
  result?: string;
  error?: string;
  killedBy?: string;
  killReason?: string;
}

export const emptyTotals = (): Totals => ({
  inputTokens: 0,
  outputTokens: 0,
  costMicroUsd: 0,
  llmCalls: 0,
  toolCalls: 0,
  turns: 0,
});

export const initialRunState = (): RunState => ({
  runId: null,
  startedBy: null,
  status: 'pending',
  traceId: null,
  rootSpanId: null,
  teamId: null,
  teamName: null,
  manifestVersion: null,
  goal: '',
  seed: 0,
  lastSeq: 0,
  startedAt: null,
  endedAt: null,
  leadAgentId: null,
  pause: null,
  agents: {},
  agentOrder: [],
  approvals: {},
  allowedRules: [],
  totals: emptyTotals(),
  breakers: emptyBreakerBoard(),
  budget: initialBudgetState(),
  workspace: { commit: null, tree: null, seq: 0, commits: 0 },
  forkedFrom: null,
});

export const isTerminalRunStatus = (status: RunStatus): boolean =>
  status === 'completed' || status === 'failed' || status === 'killed';

/** The names of an agent's ancestors in the spawn tree, its parent first. */
export function ancestorNames(state: RunState, agent: AgentState): string[] {
  const names: string[] = [];
  for (let p = agent.parentId ? state.agents[agent.parentId] : undefined; p;) {
    names.push(p.name);
    p = p.parentId ? state.agents[p.parentId] : undefined;
  }
  return names;
}

export const isTerminalAgentStatus = (status: AgentStatus): boolean =>
  status === 'done' || status === 'failed' || status === 'killed';

export class ReducerError extends Error {
  constructor(
    message: string,
    readonly seq: number,
  ) {
    super(`event ${seq}: ${message}`);
    this.name = 'ReducerError';
  }
}

function addUsage(totals: Totals, usage: Usage, costMicroUsd: number): Totals {
  return {
    ...totals,
    inputTokens: totals.inputTokens + usage.inputTokens,
    outputTokens: totals.outputTokens + usage.outputTokens,
    costMicroUsd: totals.costMicroUsd + costMicroUsd,
    llmCalls: totals.llmCalls + 1,
  };
}

function bump(totals: Totals, key: 'toolCalls' | 'turns'): Totals {
  return { ...totals, [key]: totals[key] + 1 };
}

function truncate(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Apply one event. Never mutates `state`; throws ReducerError on an impossible sequence. */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  if (event.seq !== state.lastSeq + 1) {
    throw new ReducerError(`expected seq ${state.lastSeq + 1}`, event.seq);
  }
  const next = applyPayload(state, event);
  return { ...next, lastSeq: event.seq };
}

export function reduceEvents(
  events: readonly RunEvent[],
  from: RunState = initialRunState(),
): RunState {
  let state = from;
  for (const event of events) state = applyEvent(state, event);
  return state;
}

function requireAgent(state: RunState, event: RunEvent): AgentState {
  const agent = event.agentId ? state.agents[event.agentId] : undefined;
  if (!agent)
    throw new ReducerError(`${event.type} for unknown agent ${event.agentId ?? 'null'}`, event.seq);
  return agent;
}

function withAgent(state: RunState, agent: AgentState): RunState {
  return { ...state, agents: { ...state.agents, [agent.id]: agent } };
}

function requireTurn(agent: AgentState, event: RunEvent): TurnState {
  if (!agent.turn || agent.turn.finished) {
    throw new ReducerError(`${event.type} outside a turn of agent ${agent.id}`, event.seq);
  }
  return agent.turn;
}

function endAgents(state: RunState, status: 'killed' | 'failed', activity: string): RunState {
  const agents: Record<string, AgentState> = {};
  for (const [id, agent] of Object.entries(state.agents)) {
    agents[id] = isTerminalAgentStatus(agent.status) ? agent : { ...agent, status, activity };
  }
  return { ...state, agents };
}

function applyPayload(state: RunState, event: RunEvent): RunState {
  // An ended run's workspace can still be rolled back by an operator (edits by hand committed first).
  if (isTerminalRunStatus(state.status) && !event.type.startsWith('workspace.')) {
    throw new ReducerError(`${event.type} after the run ended (${state.status})`, event.seq);
  }
  const next = cancelOrphanedApprovals(applyType(state, event));
  const breakers = trackBreakers(state, next, event);
  const budget = reduceBudget(next.budget, event);
  return { ...next, breakers, budget };
}

/** Approvals whose agent or run ended undecided are cancelled: nobody can decide them any more. */
function cancelOrphanedApprovals(state: RunState): RunState {
  let approvals: Record<string, ApprovalState> | null = null;
  for (const approval of Object.values(state.approvals)) {
    if (approval.status !== 'pending') continue;
    const agent = state.agents[approval.agentId];
    if (isTerminalRunStatus(state.status) || !agent || isTerminalAgentStatus(agent.status)) {
      approvals ??= { ...state.approvals };
      approvals[approval.id] = { ...approval, status: 'cancelled' };
    }
  }
  return approvals ? { ...state, approvals } : state;
}

function applyType(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'run.started': {
      if (state.status !== 'pending') throw new ReducerError('run started twice', event.seq);
      const p = event.payload;
      return {
        ...state,
        runId: event.runId,
        startedBy: p.by,
        status: 'running',
        traceId: event.traceId,
        rootSpanId: event.spanId,
        teamId: p.teamId,
        teamName: p.teamName,
        manifestVersion: p.manifestVersion,
        goal: p.goal,
        seed: p.seed,
        startedAt: event.at,
      };
    }
    case 'run.completed':
      return { ...state, status: 'completed', endedAt: event.at, result: event.payload.result };
    case 'run.failed':
      return {
        ...endAgents(state, 'failed', 'run failed'),
        status: 'failed',
        endedAt: event.at,
        error: event.payload.error,
      };
    case 'run.paused':
      if (state.status !== 'running')
        throw new ReducerError(`run paused while ${state.status}`, event.seq);
      return { ...state, status: 'paused', pause: { ...event.payload, seq: event.seq } };
    case 'run.resumed':
      if (state.status !== 'paused')
        throw new ReducerError(`run resumed while ${state.status}`, event.seq);
      return { ...state, status: 'running', pause: null };
    case 'run.killed':
      return {
        ...endAgents(state, 'killed', 'killed'),
        status: 'killed',
        endedAt: event.at,
        killedBy: event.payload.by.id,
        killReason: event.payload.reason,
      };

    case 'agent.spawned': {
      if (state.status === 'pending')
        throw new ReducerError('agent spawned before the run started', event.seq);
      const id = event.agentId;
      if (!id || state.agents[id])
        throw new ReducerError(`agent ${id ?? 'null'} spawned twice`, event.seq);
      const p = event.payload;
      let next = state;
      if (p.parentAgentId) {
        const parent = state.agents[p.parentAgentId];
        if (!parent) throw new ReducerError(`parent ${p.parentAgentId} unknown`, event.seq);
        const turn = parent.turn;
        const toolCalls = turn?.toolCalls.map((c) =>
          c.callId === p.parentCallId ? { ...c, childAgentId: id } : c,
        );
        next = withAgent(next, {
          ...parent,
          children: [...parent.children, id],
          turn: turn && toolCalls ? { ...turn, toolCalls } : turn,
        });
      }
      const agent: AgentState = {
        id,
        parentId: p.parentAgentId,
        parentCallId: p.parentCallId,
        name: p.name,
        role: p.role,
        model: p.model,
        task: p.task,
        depth: p.depth,
        toolScope: p.toolScope,
        status: 'ready',
        spanId: event.spanId,
        spawnedSeq: event.seq,
        lastSeq: event.seq,
        turn: null,
        turnsTaken: 0,
        messages: [{ role: 'user', content: p.task, seq: event.seq }],
        pendingSteers: [],
        pause: null,
        children: [],
        totals: emptyTotals(),
        activity: 'queued',
      };
      return {
        ...withAgent(next, agent),
        agentOrder: [...next.agentOrder, id],
        leadAgentId: next.leadAgentId ?? id,
      };
    }

    case 'agent.turn.started': {
      const agent = requireAgent(state, event);
      if (agent.status !== 'ready') {
        throw new ReducerError(`turn started while agent is ${agent.status}`, event.seq);
      }
      if (event.payload.turn !== agent.turnsTaken + 1) {
        throw new ReducerError(
          `turn ${event.payload.turn} started, expected ${agent.turnsTaken + 1}`,
          event.seq,
        );
      }
      return withTotals(
        withAgent(state, {
          ...agent,
          status: 'running',
          lastSeq: event.seq,
          turn: {
            turn: event.payload.turn,
            spanId: event.spanId,
            llm: null,
            toolCalls: [],
            finished: false,
          },
          turnsTaken: event.payload.turn,
          messages: agent.pendingSteers.length
            ? [...agent.messages, ...agent.pendingSteers]
            : agent.messages,
          pendingSteers: [],
          totals: bump(agent.totals, 'turns'),
          activity: `turn ${event.payload.turn}`,
        }),
        (t) => bump(t, 'turns'),
      );
    }
    case 'agent.turn.finished': {
      const agent = requireAgent(state, event);
      const turn = requireTurn(agent, event);
      const open = turn.toolCalls.some((c) => c.status !== 'finished');
      return withAgent(state, {
        ...agent,
        status: open ? 'waiting' : 'ready',
        lastSeq: event.seq,
        turn: { ...turn, finished: true },
        activity: open ? 'waiting for subagents' : 'queued',
      });
    }
    case 'agent.finished':
      return endAgent(state, event, 'done', { result: event.payload.result });
    case 'agent.failed':
      return endAgent(state, event, 'failed', { error: event.payload.error });
    case 'agent.killed':
      return endAgent(state, event, 'killed', {
        error: `killed by ${event.payload.by.id}: ${event.payload.reason}`,
      });
    case 'agent.paused': {
      const agent = requireAgent(state, event);
      if (agent.pause || isTerminalAgentStatus(agent.status)) {
        throw new ReducerError(
          `agent paused while ${agent.pause ? 'paused' : agent.status}`,
          event.seq,
        );
      }
      return withAgent(state, {
        ...agent,
        lastSeq: event.seq,
        pause: { ...event.payload, seq: event.seq },
        activity: 'paused',
      });
    }
    case 'agent.resumed': {
      const agent = requireAgent(state, event);
      if (!agent.pause) throw new ReducerError('agent resumed but not paused', event.seq);
      return withAgent(state, {
        ...agent,
        lastSeq: event.seq,
        pause: null,
        activity: agent.status === 'ready' ? 'queued' : agent.activity,
      });
    }
    case 'agent.steered': {
      const agent = requireAgent(state, event);
      if (isTerminalAgentStatus(agent.status))
        throw new ReducerError(`agent steered after it ended (${agent.status})`, event.seq);
      return withAgent(state, {
        ...agent,
        lastSeq: event.seq,
        pendingSteers: [
          ...agent.pendingSteers,
          {
            role: 'user',
            content: `[operator ${event.payload.by.id}] ${event.payload.message}`,
            seq: event.seq,
          },
        ],
      });
    }

    case 'llm.call.started': {
      const agent = requireAgent(state, event);
      const turn = requireTurn(agent, event);
      return withAgent(state, {
        ...agent,
        lastSeq: event.seq,
        turn: {
          ...turn,
          llm: { callId: event.payload.callId, spanId: event.spanId, status: 'started' },
        },
        activity: `thinking (${event.payload.model.name})`,
      });
    }
    case 'llm.call.finished': {
      const agent = requireAgent(state, event);
      const p = event.payload;
      if (isTerminalAgentStatus(agent.status)) {
        // A result that arrived after the agent was killed: the tokens were spent, nothing else changes.
        return withTotals(
          withAgent(state, {
            ...agent,
            lastSeq: event.seq,
            totals: addUsage(agent.totals, p.usage, p.costMicroUsd),
          }),
          (t) => addUsage(t, p.usage, p.costMicroUsd),
        );
      }
      const turn = requireTurn(agent, event);
      if (turn.llm?.callId !== p.callId)
        throw new ReducerError(`llm call ${p.callId} was not started`, event.seq);
      return withTotals(
        withAgent(state, {
          ...agent,
          lastSeq: event.seq,
          turn: {
            ...turn,
            llm: { callId: p.callId, spanId: event.spanId, status: 'finished', text: p.text },
            toolCalls: p.toolCalls.map((c) => ({ ...c, status: 'requested' as const })),
          },
          messages: [
            ...agent.messages,
            { role: 'assistant', content: p.text, toolCalls: p.toolCalls, seq: event.seq },
          ],
          totals: addUsage(agent.totals, p.usage, p.costMicroUsd),
          activity: p.toolCalls.length
            ? `calling ${p.toolCalls.map((c) => c.tool).join(', ')}`
            : truncate(p.text),
        }),
        (t) => addUsage(t, p.usage, p.costMicroUsd),
      );
    }
    case 'llm.call.failed': {
      const agent = requireAgent(state, event);
      if (isTerminalAgentStatus(agent.status))
        return withAgent(state, { ...agent, lastSeq: event.seq });
      const turn = requireTurn(agent, event);
      if (turn.llm?.callId !== event.payload.callId) {
        throw new ReducerError(`llm call ${event.payload.callId} was not started`, event.seq);
      }
      return withAgent(state, {
        ...agent,
        lastSeq: event.seq,
        turn: {
          ...turn,
          llm: {
            callId: event.payload.callId,
            spanId: event.spanId,
            status: 'failed',
            error: event.payload.error,
          },
        },
        activity: `model error: ${truncate(event.payload.error, 60)}`,
      });
    }

    case 'tool.call.dispatched': {
      const agent = requireAgent(state, event);
      const turn = requireTurn(agent, event);
      const p = event.payload;
      const call = turn.toolCalls.find((c) => c.callId === p.callId);
      if (!call || call.status !== 'requested') {
        throw new ReducerError(`tool call ${p.callId} dispatched but not requested`, event.seq);
      }
      return withTotals(
        withAgent(state, {
          ...agent,
          lastSeq: event.seq,
          turn: {
            ...turn,
            toolCalls: turn.toolCalls.map((c) =>
              c.callId === p.callId
                ? { ...c, args: p.args, status: 'dispatched' as const, spanId: event.spanId }
                : c,
            ),
          },
          totals: bump(agent.totals, 'toolCalls'),
          activity: `running ${p.tool}`,
        }),
        (t) => bump(t, 'toolCalls'),
      );
    }
    case 'gate.decided':
      return applyGateDecision(state, event);
    case 'approval.requested':
      return applyApprovalRequest(state, event);
    case 'approval.voted':
    case 'approval.expiring':
    case 'approval.decided':
      return applyApprovalUpdate(state, event);
    case 'tool.call.interrupted':
      return applyInterruption(state, event);
    case 'tool.call.resolved':
      return applyResolution(state, event);
    case 'breaker.opened':
    case 'breaker.half-opened':
    case 'breaker.closed':
    case 'breaker.thresholds.changed':
      // Kept by the breakers' board (trackBreakers), like what they count.
      return state;
    case 'budget.changed':
    case 'budget.warned':
    case 'budget.exceeded': {
      // Budget facts live in state.budget (reduceBudget); an agent they name has seen them.
      const agent = event.agentId ? state.agents[event.agentId] : undefined;
      return agent ? withAgent(state, { ...agent, lastSeq: event.seq }) : state;
    }
    case 'workspace.committed':
    case 'workspace.restored': {
      const p = event.payload;
      const touched = event.agentId && state.agents[event.agentId];
      const next = touched ? withAgent(state, { ...touched, lastSeq: event.seq }) : state;
      return {
        ...next,
        workspace: {
          commit: p.commit,
          tree: p.tree,
          seq: event.seq,
          commits: state.workspace.commits + 1,
        },
      };
    }
    case 'run.forked':
      return applyFork(state, event);
    case 'tool.call.finished': {
      const agent = requireAgent(state, event);
      // A result that arrived after the agent was killed is kept in the log, and changes nothing.
      if (isTerminalAgentStatus(agent.status))
        return withAgent(state, { ...agent, lastSeq: event.seq });
      const turn = agent.turn;
      const p = event.payload;
      const call = turn?.toolCalls.find((c) => c.callId === p.callId);
      if (!turn || !call || call.status !== 'dispatched') {
        throw new ReducerError(`tool call ${p.callId} finished but not dispatched`, event.seq);
      }
      const toolCalls = finishCall(turn.toolCalls, p.callId, p.ok, p.output);
      // A delegate result can arrive after the turn ended: the agent waits for it.
      const stillOpen = toolCalls.some((c) => c.status !== 'finished');
      const status = agent.status === 'waiting' && !stillOpen ? 'ready' : agent.status;
      return withAgent(state, {
        ...agent,
        status,
        lastSeq: event.seq,
        turn: { ...turn, toolCalls },
        messages: [
          ...agent.messages,
          {
            role: 'tool',
            callId: p.callId,
            tool: p.tool,
            ok: p.ok,
            content: p.output,
            seq: event.seq,
          },
        ],
        activity: status === 'ready' ? 'queued' : agent.activity,
      });
    }
  }
}

/** An agent ends: its turn closes, and it keeps how it ended. */
function endAgent(
  state: RunState,
  event: RunEvent,
  status: 'done' | 'failed' | 'killed',
  outcome: { result?: string; error?: string },
): RunState {
  const agent = requireAgent(state, event);
  return withAgent(state, {
    ...agent,
    ...outcome,
    status,
    lastSeq: event.seq,
    turn: agent.turn ? { ...agent.turn, finished: true } : null,
    activity: status,
  });
}

function finishCall(
  calls: ToolCallState[],
  callId: string,
  ok: boolean,
  output: string,
): ToolCallState[] {
  return calls.map((c) =>
    c.callId === callId ? { ...c, status: 'finished' as const, ok, output } : c,
  );
}

function applyInterruption(state: RunState, event: EventOfType<'tool.call.interrupted'>): RunState {
  const agent = requireAgent(state, event);
  const turn = requireTurn(agent, event);
  const call = turn.toolCalls.find((c) => c.callId === event.payload.callId);
  if (!call || call.status !== 'dispatched') {
    throw new ReducerError(
      `tool call ${event.payload.callId} interrupted but not dispatched`,
      event.seq,
    );
  }
  return withAgent(state, {
    ...agent,
    status: 'blocked',
    lastSeq: event.seq,
    turn: {
      ...turn,
      toolCalls: turn.toolCalls.map((c) =>
        c.callId === call.callId ? { ...c, status: 'interrupted' as const } : c,
      ),
    },
    activity: `needs a decision: ${call.tool} was interrupted`,
  });
}

function applyResolution(state: RunState, event: EventOfType<'tool.call.resolved'>): RunState {
  const agent = requireAgent(state, event);
  const turn = requireTurn(agent, event);
  const p = event.payload;
  const call = turn.toolCalls.find((c) => c.callId === p.callId);
  if (!call || call.status !== 'interrupted')
    throw new ReducerError(`tool call ${p.callId} resolved but not interrupted`, event.seq);
  if (p.resolution === 'retry') {
    return withAgent(state, {
      ...agent,
      status: 'running',
      lastSeq: event.seq,
      turn: {
        ...turn,
        toolCalls: turn.toolCalls.map((c) =>
          c.callId === p.callId ? { ...c, status: 'requested' as const } : c,
        ),
      },
      activity: `retrying ${call.tool}`,
    });
  }
  const ok = p.resolution === 'mark-done';
  const output = ok
    ? p.output || `marked done by ${p.by.id}`
    : `skipped by ${p.by.id}: the call was interrupted and not repeated`;
  return withAgent(state, {
    ...agent,
    status: 'running',
    lastSeq: event.seq,
    turn: { ...turn, toolCalls: finishCall(turn.toolCalls, p.callId, ok, output) },
    messages: [
      ...agent.messages,
      { role: 'tool', callId: p.callId, tool: call.tool, ok, content: output, seq: event.seq },
    ],
    activity: 'resuming',
  });
}

type EventOfType<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

function updateCall(
  turn: TurnState,
  callId: string,
  update: (call: ToolCallState) => ToolCallState,
): TurnState {
  return { ...turn, toolCalls: turn.toolCalls.map((c) => (c.callId === callId ? update(c) : c)) };
}

function toolMessage(call: ToolCallState, ok: boolean, content: string, seq: number): Message {
  return { role: 'tool', callId: call.callId, tool: call.tool, ok, content, seq };
}

/** A gate decision on a tool call: deny ends the call (the agent is told why); allow and ask mark it. */
function applyGateDecision(state: RunState, event: EventOfType<'gate.decided'>): RunState {
  const agent = requireAgent(state, event);
  const p = event.payload;
  if (p.subject === 'model') return withAgent(state, { ...agent, lastSeq: event.seq });
  const turn = requireTurn(agent, event);
  const call = turn.toolCalls.find((c) => c.callId === p.callId);
  if (!call || call.status !== 'requested')
    throw new ReducerError(
      `gate decided on tool call ${p.callId}, which is not requested`,
      event.seq,
    );
  const { subject: _subject, callId: _callId, tool: _tool, ...gate } = p;
  if (p.effect !== 'deny') {
    return withAgent(state, {
      ...agent,
      lastSeq: event.seq,
      turn: updateCall(turn, p.callId, (c) => ({ ...c, gate })),
    });
  }
  const output = `refused by policy: ${p.reason}`;
  const marked = updateCall(turn, p.callId, (c) => ({ ...c, gate }));
  return withAgent(state, {
    ...agent,
    lastSeq: event.seq,
    turn: { ...marked, toolCalls: finishCall(marked.toolCalls, p.callId, false, output) },
    messages: [...agent.messages, toolMessage(call, false, output, event.seq)],
  });
}

function applyApprovalRequest(state: RunState, event: EventOfType<'approval.requested'>): RunState {
  const agent = requireAgent(state, event);
  const turn = requireTurn(agent, event);
  const p = event.payload;
  const call = turn.toolCalls.find((c) => c.callId === p.callId);
  if (!call || call.status !== 'requested' || call.gate?.effect !== 'ask')
    throw new ReducerError(
      `approval requested for call ${p.callId} the gate did not ask about`,
      event.seq,
    );
  if (state.approvals[p.approvalId])
    throw new ReducerError(`approval ${p.approvalId} requested twice`, event.seq);
  const approval: ApprovalState = {
    id: p.approvalId,
    agentId: agent.id,
    callId: p.callId,
    tool: p.tool,
    args: p.args,
    fingerprint: p.fingerprint,
    ruleId: p.ruleId,
    reason: p.reason,
    risk: p.risk,
    diff: p.diff,
    requestedBy: p.requestedBy,
    settings: p.settings,
    requestedAt: event.at,
    warnAt: p.warnAt,
    expiresAt: p.expiresAt,
    requestedSeq: event.seq,
    status: 'pending',
    warned: false,
    votes: [],
  };
  return {
    ...withAgent(state, {
      ...agent,
      status: 'blocked',
      lastSeq: event.seq,
      turn: updateCall(turn, p.callId, (c) => ({
        ...c,
        status: 'awaiting-approval',
        approvalId: p.approvalId,
      })),
      activity: `waiting for approval: ${p.tool}`,
    }),
    approvals: { ...state.approvals, [p.approvalId]: approval },
  };
}

function applyApprovalUpdate(
  state: RunState,
  event: EventOfType<'approval.voted' | 'approval.expiring' | 'approval.decided'>,
): RunState {
  const approval = state.approvals[event.payload.approvalId];
  if (!approval || approval.status !== 'pending')
    throw new ReducerError(
      `${event.type} for approval ${event.payload.approvalId}, which is not pending`,
      event.seq,
    );
  const agent = requireAgent(state, event);
  const touched = withAgent(state, { ...agent, lastSeq: event.seq });
  const put = (s: RunState, next: ApprovalState): RunState => ({
    ...s,
    approvals: { ...s.approvals, [next.id]: next },
  });
  if (event.type === 'approval.expiring') return put(touched, { ...approval, warned: true });
  if (event.type === 'approval.voted') {
    const { approvalId: _id, ...vote } = event.payload;
    return put(touched, { ...approval, votes: [...approval.votes, { ...vote, at: event.at }] });
  }
  const p = event.payload;
  const turn = requireTurn(agent, event);
  const call = turn.toolCalls.find((c) => c.callId === p.callId);
  if (!call || call.status !== 'awaiting-approval' || call.approvalId !== p.approvalId)
    throw new ReducerError(
      `approval ${p.approvalId} decided for a call not waiting on it`,
      event.seq,
    );
  const { approvalId: _id, callId: _callId, outcome, ...decision } = p;
  const decided = put(touched, {
    ...approval,
    status: outcome,
    decision: { ...decision, at: event.at, seq: event.seq },
  });
  const allowedRules =
    p.allowRuleForRun && approval.ruleId && !state.allowedRules.includes(approval.ruleId)
      ? [...state.allowedRules, approval.ruleId]
      : state.allowedRules;
  const resumed = {
    ...agent,
    status: 'running' as const,
    lastSeq: event.seq,
    activity: 'resuming',
  };
  if (p.applied === 'allow') {
    return {
      ...withAgent(decided, {
        ...resumed,
        turn: updateCall(turn, p.callId, (c) => ({
          ...c,
          args: p.args,
          status: 'requested',
          approved: { approvalId: p.approvalId, fingerprint: p.fingerprint },
        })),
      }),
      allowedRules,
    };
  }
  const who = p.by ? p.by.id : 'nobody';
  const output =
    outcome === 'expired'
      ? `not run: the approval expired without a decision, which this policy treats as a denial`
      : `denied by ${who}${p.reason ? `: ${p.reason}` : ''}`;
  return withAgent(decided, {
    ...resumed,
    turn: { ...turn, toolCalls: finishCall(turn.toolCalls, p.callId, false, output) },
    messages: [...agent.messages, toolMessage(call, false, output, event.seq)],
  });
}

/**
 * A fork continues from the origin's state: running again, acting for whoever
 * forked it. Approvals pending at the fork point are cancelled and their calls
 * go back to the gate, which asks again in this run. The edits apply to one agent.
 */
function applyFork(state: RunState, event: EventOfType<'run.forked'>): RunState {
  if (state.status !== 'running' && state.status !== 'paused')
    throw new ReducerError(`run forked while ${state.status}`, event.seq);
  if (state.forkedFrom) throw new ReducerError('run forked twice', event.seq);
  const p = event.payload;
  const agents = { ...state.agents };
  const approvals = { ...state.approvals };
  for (const approval of Object.values(state.approvals)) {
    if (approval.status !== 'pending') continue;
    approvals[approval.id] = { ...approval, status: 'cancelled' };
    const agent = agents[approval.agentId];
    if (!agent?.turn) continue;
    agents[agent.id] = {
      ...agent,
      status: 'running',
      turn: updateCall(agent.turn, approval.callId, (c) => {
        const { gate: _gate, approvalId: _approvalId, ...rest } = c;
        return { ...rest, status: 'requested' as const };
      }),
      activity: 'resuming',
    };
  }
  const targetId = p.edits.agentId ?? state.leadAgentId;
  const target = targetId ? agents[targetId] : undefined;
  const { message, system, model } = p.edits;
  if (message || system || model) {
    if (!target)
      throw new ReducerError(`fork edits unknown agent ${targetId ?? 'null'}`, event.seq);
    agents[target.id] = {
      ...target,
      ...(system ? { system } : {}),
      ...(model ? { model } : {}),
      pendingSteers: message
        ? [...target.pendingSteers, { role: 'user', content: message, seq: event.seq }]
        : target.pendingSteers,
    };
  }
  return {
    ...state,
    status: 'running',
    pause: null,
    startedBy: p.by,
    manifestVersion: p.manifestVersion,
    agents,
    approvals,
    forkedFrom: {
      runId: p.fromRunId,
      seq: p.fromSeq,
      by: p.by,
      forkSeq: event.seq,
      edits: p.edits,
    },
  };
}

function withTotals(state: RunState, update: (t: Totals) => Totals): RunState {
  return { ...state, totals: update(state.totals) };
}
