'use client';

import type { AgentState, RunState } from '@flightdeck/domain';
import { CirclePauseIcon, OctagonXIcon, ShieldAlertIcon, ShieldQuestionIcon } from 'lucide-react';
import { formatRelative, truncate } from '@/client/format';
import { agentPhase } from '@/components/status';
import { Button } from '@/components/ui/button';

/** While the run is paused: who paused it, why, since when, and whether anything is still finishing. */
export function RunPausedBanner({
  state,
  pausedAt,
  now,
}: {
  state: RunState;
  pausedAt: string | null;
  now: number | null;
}) {
  const pause = state.pause;
  // A budget stop has a banner of its own, which says how to go on.
  if (state.status !== 'paused' || !pause || state.budget.stop) return null;
  const finishing = Object.values(state.agents).filter((a) => agentPhase(a, state) === 'pausing');
  const detail =
    finishing.length > 0
      ? `Waiting for ${finishing.length} turn${finishing.length === 1 ? '' : 's'} in flight to finish (${finishing.map((a) => a.name).join(', ')}); no new turn starts.`
      : pause.mode === 'abort-turn'
        ? 'Turns in flight were aborted and continue from the log on resume. Nothing is running.'
        : 'Nothing is running: no agent starts a new turn until you resume.';
  return (
    <div
      role="status"
      data-testid="run-paused-banner"
      data-finishing={finishing.length}
      className="flex items-start gap-2.5 rounded-md border border-status-paused/35 bg-status-paused-bg/70 px-3 py-2 text-sm"
    >
      <CirclePauseIcon className="mt-0.5 size-4 shrink-0 text-status-paused" />
      <div className="min-w-0">
        <div>
          <span className="font-medium text-status-paused">Paused by {pause.by.id}</span>
          {pause.reason ? (
            <span className="text-foreground"> · {truncate(pause.reason, 240)}</span>
          ) : null}
          {pausedAt && now ? (
            <span className="text-muted-foreground"> · {formatRelative(pausedAt, now)}</span>
          ) : null}
        </div>
        <div className="text-xs text-muted-foreground">{detail}</div>
      </div>
    </div>
  );
}

/** The run's budget stopped it before a call: why, and how to go on (raise the budget, then resume). */
export function BudgetStopBanner({ state, onRaise }: { state: RunState; onRaise: () => void }) {
  const stop = state.budget.stop;
  if (state.status !== 'paused' || !stop) return null;
  return (
    <div
      role="alert"
      data-testid="budget-stop-banner"
      data-metric={stop.metric}
      className="flex items-start gap-2.5 rounded-md border border-status-failed/40 bg-status-failed-bg/60 px-3 py-2 text-sm"
    >
      <OctagonXIcon className="mt-0.5 size-4 shrink-0 text-status-failed" />
      <div className="min-w-0 flex-1">
        <div className="font-medium text-status-failed">Stopped by its budget</div>
        <div className="text-xs">{truncate(stop.reason, 400)}</div>
        <div className="text-xs text-muted-foreground">
          The run is paused before its next call, its state kept. To go on: raise the budget, then
          resume.
        </div>
      </div>
      <Button size="xs" variant="outline" onClick={onRaise} data-testid="raise-budget">
        Raise budget
      </Button>
    </div>
  );
}

/** Agents waiting for a person: a tool call was interrupted and may have had effects. */
export function NeedsDecisionBanner({
  state,
  onReview,
}: {
  state: RunState;
  onReview: (agentId: string) => void;
}) {
  const blocked = state.agentOrder
    .map((id) => state.agents[id])
    .filter(
      (a): a is AgentState =>
        a?.status === 'blocked' && !!a.turn?.toolCalls.some((c) => c.status === 'interrupted'),
    );
  if (blocked.length === 0) return null;
  return (
    <div
      role="alert"
      data-testid="needs-decision-banner"
      className="flex items-start gap-2.5 rounded-md border border-status-failed/35 bg-status-failed-bg/60 px-3 py-2 text-sm"
    >
      <ShieldAlertIcon className="mt-0.5 size-4 shrink-0 text-status-failed" />
      <div className="min-w-0 flex-1">
        <div className="font-medium text-status-failed">
          {blocked.length === 1
            ? '1 agent needs a decision'
            : `${blocked.length} agents need a decision`}
        </div>
        <div className="text-xs text-muted-foreground">
          A tool call was interrupted by a crash and may or may not have taken effect. The agent
          waits until someone decides.
        </div>
      </div>
      <div className="flex flex-wrap justify-end gap-1.5">
        {blocked.map((agent) => {
          const call = agent.turn?.toolCalls.find((c) => c.status === 'interrupted');
          return (
            <Button
              key={agent.id}
              size="xs"
              variant="outline"
              onClick={() => onReview(agent.id)}
              data-testid="review-decision"
            >
              Review {agent.name}
              {call ? <span className="font-mono text-muted-foreground">{call.tool}</span> : null}
            </Button>
          );
        })}
      </div>
    </div>
  );
}

/** Agents parked on an approval: the run goes on without them until someone decides. */
export function ApprovalsWaitingBanner({
  state,
  onReview,
}: {
  state: RunState;
  onReview: () => void;
}) {
  const waiting = Object.values(state.approvals).filter((a) => a.status === 'pending');
  if (waiting.length === 0) return null;
  const names = [...new Set(waiting.map((a) => state.agents[a.agentId]?.name ?? 'an agent'))];
  return (
    <div
      role="status"
      data-testid="approvals-waiting-banner"
      className="flex items-center gap-2.5 rounded-md border border-amber-400/50 bg-amber-50 px-3 py-2 text-sm dark:border-amber-500/30 dark:bg-amber-500/10"
    >
      <ShieldQuestionIcon className="size-4 shrink-0 text-amber-600" />
      <div className="min-w-0 flex-1">
        <span className="font-medium">
          {waiting.length === 1 ? '1 approval waits' : `${waiting.length} approvals wait`}
        </span>{' '}
        <span className="text-muted-foreground">
          for a decision ({names.join(', ')}: parked, holding no worker).
        </span>
      </div>
      <Button size="xs" variant="outline" onClick={onReview} data-testid="review-approvals">
        Review
      </Button>
    </div>
  );
}
