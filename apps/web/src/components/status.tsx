import {
  type AgentState,
  type AgentStatus,
  isTerminalAgentStatus,
  type RunState,
  type RunStatus,
} from '@flightdeck/domain';
import type { HTMLAttributes } from 'react';
import { cn } from '@/lib/utils';

type Tone =
  'running' | 'pending' | 'completed' | 'failed' | 'killed' | 'waiting' | 'paused' | 'blocked';

const TONE_CLASSES: Record<Tone, { badge: string; dot: string }> = {
  running: {
    badge: 'bg-status-running-bg text-status-running',
    dot: 'bg-status-running text-status-running',
  },
  pending: {
    badge: 'bg-status-pending-bg text-status-pending',
    dot: 'bg-status-pending text-status-pending',
  },
  completed: {
    badge: 'bg-status-completed-bg text-status-completed',
    dot: 'bg-status-completed text-status-completed',
  },
  failed: {
    badge: 'bg-status-failed-bg text-status-failed',
    dot: 'bg-status-failed text-status-failed',
  },
  killed: {
    badge: 'bg-status-killed-bg text-status-killed',
    dot: 'bg-status-killed text-status-killed',
  },
  waiting: {
    badge: 'bg-status-waiting-bg text-status-waiting',
    dot: 'bg-status-waiting text-status-waiting',
  },
  paused: {
    badge: 'bg-status-paused-bg text-status-paused',
    dot: 'bg-status-paused text-status-paused',
  },
  blocked: {
    badge: 'bg-status-failed-bg text-status-failed ring-1 ring-status-failed/40',
    dot: 'bg-status-failed text-status-failed',
  },
};

const RUN_LABEL: Record<RunStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  failed: 'Failed',
  killed: 'Killed',
};

/**
 * An agent's status as an operator should read it. The reducer's status says
 * where the agent is in its work; a pause (the run's or its own) holds it there,
 * so a held agent reads "Paused", or "Pausing" while a turn it was allowed to
 * finish is still in flight.
 */
export type AgentPhase = AgentStatus | 'paused' | 'pausing';

export function agentPhase(agent: AgentState, run: Pick<RunState, 'pause'>): AgentPhase {
  if (isTerminalAgentStatus(agent.status) || agent.status === 'blocked') return agent.status;
  const pause = run.pause ?? agent.pause;
  if (!pause) return agent.status;
  const turnInFlight = agent.status === 'running' && agent.turn !== null && !agent.turn.finished;
  return turnInFlight && pause.mode === 'finish-turn' ? 'pausing' : 'paused';
}

const AGENT_TONE: Record<AgentPhase, Tone> = {
  ready: 'pending',
  running: 'running',
  waiting: 'waiting',
  blocked: 'blocked',
  paused: 'paused',
  pausing: 'paused',
  done: 'completed',
  failed: 'failed',
  killed: 'killed',
};

const AGENT_LABEL: Record<AgentPhase, string> = {
  ready: 'Queued',
  running: 'Working',
  waiting: 'Waiting',
  blocked: 'Needs decision',
  paused: 'Paused',
  pausing: 'Pausing',
  done: 'Done',
  failed: 'Failed',
  killed: 'Killed',
};

const AGENT_HINT: Partial<Record<AgentPhase, string>> = {
  ready: 'Its next turn is queued',
  waiting: 'Waiting for its subagents to report',
  blocked: 'A tool call was interrupted and may have had effects: a person decides what happened',
  paused: 'Held by an operator: it starts no new turn',
  pausing: 'Finishing the turn in flight, then held',
};

export function StatusDot({
  tone,
  pulse,
  className,
}: {
  tone: Tone;
  pulse?: boolean;
  className?: string;
}) {
  return (
    <span
      aria-hidden
      className={cn(
        'inline-block size-2 shrink-0 rounded-full',
        TONE_CLASSES[tone].dot,
        pulse && 'animate-pulse-dot',
        className,
      )}
    />
  );
}

export function RunStatusBadge({
  status,
  className,
  ...props
}: { status: RunStatus; className?: string } & HTMLAttributes<HTMLSpanElement>) {
  return (
    <span
      data-status={status}
      className={cn(
        'inline-flex h-5.5 items-center gap-1.5 rounded-full px-2 text-xs font-medium whitespace-nowrap',
        TONE_CLASSES[status].badge,
        className,
      )}
      {...props}
    >
      <StatusDot tone={status} pulse={status === 'running'} className="size-1.5" />
      {RUN_LABEL[status]}
    </span>
  );
}

const pulses = (phase: AgentPhase) =>
  phase === 'running' || phase === 'pausing' || phase === 'blocked';

export function AgentStatusDot({ status, className }: { status: AgentPhase; className?: string }) {
  return <StatusDot tone={AGENT_TONE[status]} pulse={pulses(status)} className={className} />;
}

export function AgentStatusLabel({
  status,
  className,
  ...props
}: { status: AgentPhase; className?: string } & HTMLAttributes<HTMLSpanElement>) {
  return (
    <span
      title={AGENT_HINT[status]}
      data-phase={status}
      className={cn(
        'inline-flex items-center gap-1.5 rounded-full px-1.5 py-px text-[11px] font-medium whitespace-nowrap',
        TONE_CLASSES[AGENT_TONE[status]].badge,
        className,
      )}
      {...props}
    >
      {AGENT_LABEL[status]}
    </span>
  );
}

export const isActiveRun = (status: RunStatus): boolean =>
  status === 'running' || status === 'pending' || status === 'paused';

/** Whether an operator can still act on an agent: the run goes on and the agent has not ended. */
export const isControllableAgent = (agent: AgentState, run: Pick<RunState, 'status'>): boolean =>
  (run.status === 'running' || run.status === 'paused') && !isTerminalAgentStatus(agent.status);
