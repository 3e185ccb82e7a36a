import type { AgentStatus, RunStatus } from '@flightdeck/domain';
import type { HTMLAttributes } from 'react';
import { cn } from '@/lib/utils';

type Tone = 'running' | 'pending' | 'completed' | 'failed' | 'killed' | 'waiting' | 'paused';

const TONE_CLASSES: Record<Tone, { badge: string; dot: string }> = {
  running: { badge: 'bg-status-running-bg text-status-running', dot: 'bg-status-running text-status-running' },
  pending: { badge: 'bg-status-pending-bg text-status-pending', dot: 'bg-status-pending text-status-pending' },
  completed: { badge: 'bg-status-completed-bg text-status-completed', dot: 'bg-status-completed text-status-completed' },
  failed: { badge: 'bg-status-failed-bg text-status-failed', dot: 'bg-status-failed text-status-failed' },
  killed: { badge: 'bg-status-killed-bg text-status-killed', dot: 'bg-status-killed text-status-killed' },
  waiting: { badge: 'bg-status-waiting-bg text-status-waiting', dot: 'bg-status-waiting text-status-waiting' },
  paused: { badge: 'bg-status-pending-bg text-status-pending ring-1 ring-status-waiting/40', dot: 'bg-status-waiting text-status-waiting' },
};

const RUN_LABEL: Record<RunStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  failed: 'Failed',
  killed: 'Killed',
};

const AGENT_TONE: Record<AgentStatus, Tone> = {
  ready: 'pending',
  running: 'running',
  waiting: 'waiting',
  blocked: 'failed',
  done: 'completed',
  failed: 'failed',
  killed: 'killed',
};

const AGENT_LABEL: Record<AgentStatus, string> = {
  ready: 'Queued',
  running: 'Working',
  waiting: 'Waiting',
  blocked: 'Needs decision',
  done: 'Done',
  failed: 'Failed',
  killed: 'Killed',
};

export function StatusDot({ tone, pulse, className }: { tone: Tone; pulse?: boolean; className?: string }) {
  return (
    <span
      aria-hidden
      className={cn('inline-block size-2 shrink-0 rounded-full', TONE_CLASSES[tone].dot, pulse && 'animate-pulse-dot', className)}
    />
  );
}

export function RunStatusBadge({ status, className, ...props }: { status: RunStatus; className?: string } & HTMLAttributes<HTMLSpanElement>) {
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

export function AgentStatusDot({ status, className }: { status: AgentStatus; className?: string }) {
  return <StatusDot tone={AGENT_TONE[status]} pulse={status === 'running'} className={className} />;
}

export function AgentStatusLabel({ status, className }: { status: AgentStatus; className?: string }) {
  return (
    <span className={cn('inline-flex items-center gap-1.5 rounded-full px-1.5 py-px text-[11px] font-medium', TONE_CLASSES[AGENT_TONE[status]].badge, className)}>
      {AGENT_LABEL[status]}
    </span>
  );
}

export const isActiveRun = (status: RunStatus): boolean => status === 'running' || status === 'pending' || status === 'paused';
