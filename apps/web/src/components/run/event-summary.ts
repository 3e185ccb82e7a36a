import {
  BREAKER_LABELS,
  describeAmounts,
  describeLimits,
  describeScope,
  formatBudgetAmount,
  formatUsd,
  type PauseMode,
  type RunEvent,
  type RunState,
  type ToolCallResolution,
} from '@flightdeck/domain';
import { truncate } from '@/client/format';

export type EventCategory = 'run' | 'agent' | 'llm' | 'tool' | 'breaker' | 'budget';

export function categoryOf(type: RunEvent['type']): EventCategory {
  if (type.startsWith('workspace.')) return 'tool';
  return type.slice(0, type.indexOf('.')) as EventCategory;
}

export const isFailureEvent = (event: RunEvent): boolean =>
  event.type.endsWith('.failed') ||
  event.type === 'run.killed' ||
  event.type === 'agent.killed' ||
  event.type === 'tool.call.interrupted' ||
  event.type === 'breaker.opened' ||
  event.type === 'budget.exceeded' ||
  (event.type === 'tool.call.finished' && !event.payload.ok);

/** The control path's facts: pauses, resumes, steers, kills, decisions on interrupted calls. */
const CONTROL_EVENTS: ReadonlySet<RunEvent['type']> = new Set([
  'run.killed',
  'run.paused',
  'run.resumed',
  'agent.killed',
  'agent.paused',
  'agent.resumed',
  'agent.steered',
  'tool.call.resolved',
  'breaker.opened',
  'breaker.half-opened',
  'breaker.closed',
  'breaker.thresholds.changed',
  'budget.changed',
  'workspace.restored',
  'run.forked',
]);

export const isControlEvent = (event: RunEvent): boolean => CONTROL_EVENTS.has(event.type);

const PAUSE_MODE: Record<PauseMode, string> = {
  'finish-turn': 'turns in flight finish',
  'abort-turn': 'turns in flight aborted',
};

const RESOLUTION: Record<ToolCallResolution, string> = {
  retry: 'Retry',
  skip: 'Skip',
  'mark-done': 'Mark done',
};

const CHANGE_MARK = { added: '+', modified: '~', deleted: '−' } as const;

/** The tool of a call, looked up in the agent's current turn (for events that carry only its id). */
function toolOf(state: RunState, agentId: string | null, callId: string): string | null {
  const call = agentId
    ? state.agents[agentId]?.turn?.toolCalls.find((c) => c.callId === callId)
    : undefined;
  return call?.tool ?? null;
}

function args(record: Record<string, unknown>): string {
  const parts = Object.entries(record).map(
    ([k, v]) =>
      `${k}: ${typeof v === 'string' ? JSON.stringify(truncate(v, 40)) : JSON.stringify(v)}`,
  );
  return truncate(parts.join(', '), 120);
}

/** One line that says what happened, for the event feed. */
export function summarize(event: RunEvent, state: RunState): string {
  switch (event.type) {
    case 'run.started':
      return `Run started by ${event.payload.by.id} · ${event.payload.teamName} v${event.payload.manifestVersion}`;
    case 'run.completed':
      return `Run completed: ${truncate(event.payload.result, 160)}`;
    case 'run.failed':
      return `Run failed: ${truncate(event.payload.error, 160)}`;
    case 'run.killed':
      return `Killed by ${event.payload.by.id}: ${truncate(event.payload.reason, 140)}`;
    case 'run.paused':
      if (event.payload.by.kind === 'system' && event.payload.by.id === 'budget')
        return `Run paused by its budget (nothing more is dispatched): ${truncate(event.payload.reason, 160)}`;
      return `Run paused by ${event.payload.by.id} (${PAUSE_MODE[event.payload.mode]})${event.payload.reason ? `: ${truncate(event.payload.reason, 120)}` : ''}`;
    case 'run.resumed':
      return `Run resumed by ${event.payload.by.id}`;
    case 'agent.killed':
      return `Killed by ${event.payload.by.id}: ${truncate(event.payload.reason, 140)}`;
    case 'agent.paused':
      return `Paused by ${event.payload.by.id} (${PAUSE_MODE[event.payload.mode]})${event.payload.reason ? `: ${truncate(event.payload.reason, 120)}` : ''}`;
    case 'agent.resumed':
      return `Resumed by ${event.payload.by.id}`;
    case 'agent.steered':
      return `Steered by ${event.payload.by.id} (read at its next turn): “${truncate(event.payload.message, 130)}”`;
    case 'tool.call.interrupted':
      return `${event.payload.tool} interrupted (${truncate(event.payload.reason, 120)}): needs a decision`;
    case 'tool.call.resolved': {
      const p = event.payload;
      const tool = toolOf(state, event.agentId, p.callId) ?? p.callId;
      return `${RESOLUTION[p.resolution]} ${tool}, decided by ${p.by.id}${p.resolution === 'mark-done' && p.output ? `: ${truncate(p.output, 100)}` : ''}`;
    }
    case 'agent.spawned': {
      const parent = event.payload.parentAgentId
        ? state.agents[event.payload.parentAgentId]?.name
        : null;
      const model = `${event.payload.model.provider}/${event.payload.model.name}`;
      return parent
        ? `${parent} delegated to ${event.payload.name} (${event.payload.role}, ${model}): ${truncate(event.payload.task, 100)}`
        : `Lead ${event.payload.name} (${event.payload.role}, ${model}) took the goal`;
    }
    case 'agent.turn.started':
      return `Turn ${event.payload.turn} started`;
    case 'agent.turn.finished':
      return `Turn ${event.payload.turn} finished`;
    case 'agent.finished':
      return `Finished: ${truncate(event.payload.result, 160)}`;
    case 'agent.failed':
      return `Failed: ${truncate(event.payload.error, 160)}`;
    case 'llm.call.started':
      return `Calling ${event.payload.model.name}`;
    case 'llm.call.finished': {
      const p = event.payload;
      const head = `${p.usage.inputTokens.toLocaleString('en-US')} → ${p.usage.outputTokens.toLocaleString('en-US')} tok · ${formatUsd(p.costMicroUsd)} · ${Math.round(p.latencyMs)} ms`;
      const body = p.toolCalls.length
        ? `asks for ${p.toolCalls.map((c) => c.tool).join(', ')}`
        : truncate(p.text, 100);
      return `${head} · ${body}`;
    }
    case 'llm.call.failed':
      return `Model error${event.payload.retryable ? ' (retryable)' : ''}: ${truncate(event.payload.error, 140)}`;
    case 'tool.call.dispatched':
      return `${event.payload.tool}(${args(event.payload.args)})`;
    case 'tool.call.finished':
      return `${event.payload.tool} ${event.payload.ok ? 'ok' : 'failed'} in ${Math.round(event.payload.durationMs)} ms · ${truncate(event.payload.output, 110)}`;
    case 'gate.decided': {
      const p = event.payload;
      const rule = p.ruleId ? `rule ${p.ruleId}` : p.source;
      const reserved = p.reserved ? ` · reserved ${describeAmounts(p.reserved)}` : '';
      return `Gate: ${p.effect} ${p.tool === 'model' ? 'model call' : p.tool} · ${rule} · policy ${p.policyVersion}${p.effect === 'allow' ? '' : ` · ${truncate(p.reason, 100)}`}${reserved}`;
    }
    case 'budget.changed': {
      const p = event.payload;
      return `Budget set by ${p.by.id}: ${describeLimits(p.limits)}${p.reason ? ` · ${truncate(p.reason, 100)}` : ''}`;
    }
    case 'budget.warned': {
      const p = event.payload;
      const name = (id: string) => state.agents[id]?.name;
      return `Soft limit crossed: ${describeScope(p.scope, name)} used ${formatBudgetAmount(p.metric, p.used)} (warn at ${formatBudgetAmount(p.metric, p.soft)})`;
    }
    case 'budget.exceeded':
      return `Stopped by the budget: ${truncate(event.payload.reason, 200)}`;
    case 'workspace.committed':
    case 'workspace.restored': {
      const p = event.payload;
      const files = p.files.map((f) => `${CHANGE_MARK[f.change]}${f.path}`).join(' ');
      const more = p.moreFiles ? ` +${p.moreFiles} more` : '';
      const head =
        event.type === 'workspace.restored'
          ? `Workspace rolled back to step ${event.payload.toSeq} by ${event.payload.by.id}${event.payload.reason ? ` (${truncate(event.payload.reason, 80)})` : ''}`
          : `Workspace commit ${p.commit.slice(0, 8)}`;
      return `${head} · ${truncate(files || 'no file changes', 120)}${more}`;
    }
    case 'run.forked': {
      const p = event.payload;
      const edits = [
        p.edits.message && 'a message',
        p.edits.system && 'a system prompt',
        p.edits.model && `model ${p.edits.model.name}`,
      ].filter(Boolean);
      return `Forked by ${p.by.id} from run ${p.fromRunId.slice(0, 8)} at step ${p.fromSeq} · manifest v${p.manifestVersion}${edits.length ? ` · edited: ${edits.join(', ')}` : ''}`;
    }
    case 'approval.requested':
      return `Approval requested for ${event.payload.tool}(${args(event.payload.args)}) · expires ${new Date(event.payload.expiresAt).toLocaleTimeString()}`;
    case 'approval.voted':
      return `Approved by ${event.payload.by.id}; more approvers needed`;
    case 'approval.expiring':
      return `Approval expires soon (${new Date(event.payload.expiresAt).toLocaleTimeString()})`;
    case 'approval.decided': {
      const p = event.payload;
      if (p.outcome === 'expired')
        return `Approval expired with no decision · the call was ${p.applied === 'allow' ? 'allowed' : 'not run'}`;
      const edit = p.edited ? ' with edited arguments' : '';
      const rest = p.allowRuleForRun ? ' · rule allowed for the rest of the run' : '';
      return `${p.outcome === 'approved' ? 'Approved' : 'Denied'}${edit} by ${p.by?.id ?? 'nobody'}${p.reason ? `: ${truncate(p.reason, 100)}` : ''}${rest}`;
    }
    case 'breaker.opened':
      return `Breaker ${breakerName(event.payload.breaker, event.payload.kind)} tripped: ${truncate(event.payload.reason, 160)}`;
    case 'breaker.half-opened':
      return `Breaker ${breakerName(event.payload.breaker, event.payload.kind)} half-open: ${truncate(event.payload.reason, 140)}`;
    case 'breaker.closed':
      return `Breaker ${breakerName(event.payload.breaker, event.payload.kind)} closed by ${event.payload.by.id}${event.payload.reason ? `: ${truncate(event.payload.reason, 120)}` : ''}`;
    case 'breaker.thresholds.changed':
      return event.payload.source === 'spawn'
        ? 'Breaker thresholds set for the run'
        : `Breaker thresholds changed by ${event.payload.by.id}${event.payload.reason ? `: ${truncate(event.payload.reason, 120)}` : ''}`;
  }
}

function breakerName(key: string, kind: keyof typeof BREAKER_LABELS): string {
  return kind === 'provider'
    ? `"${BREAKER_LABELS.provider.title} ${key.slice('provider:'.length)}"`
    : `"${BREAKER_LABELS[kind].title}"`;
}
