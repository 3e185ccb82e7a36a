'use client';

import {
  BREAKER_LABELS,
  type BreakerState,
  coveringBreakers,
  isTerminalAgentStatus,
  openBreakers,
  type RunState,
} from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, PlayIcon, ShieldAlertIcon } from 'lucide-react';
import { describeError } from '@/client/errors';
import { formatClock, formatRelative } from '@/client/format';
import { useTRPC, useTRPCClient } from '@/client/trpc';
import { IfCan } from '@/components/if-can';
import { BreakerStatusBadge } from '@/components/breakers/breaker-status';
import { Button } from '@/components/ui/button';
import { ResetBreakerDialog } from './reset-breaker-dialog';

/** The actor the worker pauses with when a breaker trips. */
export const BREAKER_ACTOR_ID = 'circuit-breaker';

export function breakerTitle(b: Pick<BreakerState, 'key' | 'kind'>): string {
  return b.kind === 'provider'
    ? `${BREAKER_LABELS.provider.title} ${b.key.slice('provider:'.length)}`
    : BREAKER_LABELS[b.kind].title;
}

/** What a trip holds, in words. */
function holds(state: RunState, b: BreakerState): string {
  const agents = b.opened?.agents ?? [];
  const names = agents.map((id) => state.agents[id]?.name ?? 'an agent');
  if (b.kind === 'provider') {
    const at = b.opened?.retryAt ? ` (a probe may go at ${formatClock(b.opened.retryAt)})` : '';
    return b.status === 'half-open'
      ? 'One probe call is trying the provider now; the other calls wait.'
      : `Model calls to this provider wait for a probe${at}; they are not made, and no run fails for it.`;
  }
  return agents.length === 0
    ? 'The whole run is paused (turns in flight were aborted).'
    : `Paused: ${[...new Set(names)].join(', ')}.`;
}

/**
 * The run's breaker alert: each open breaker with what tripped it, why, when,
 * the evidence (the calls themselves) and what it holds; reset (with a reason)
 * and, once nothing holds it any more, resume what the trip paused.
 */
export function BreakerAlert({
  runId,
  state,
  now,
  onDetails,
}: {
  runId: string;
  state: RunState;
  now: number | null;
  onDetails: () => void;
}) {
  const open = openBreakers(state);
  const runHeld = state.status === 'paused' && state.pause?.by.id === BREAKER_ACTOR_ID;
  const agentsHeld = state.agentOrder
    .map((id) => state.agents[id])
    .filter(
      (a) =>
        a !== undefined && a.pause?.by.id === BREAKER_ACTOR_ID && !isTerminalAgentStatus(a.status),
    );
  if (open.length === 0 && !runHeld && agentsHeld.length === 0) return null;
  const lastReset = Object.values(state.breakers.states)
    .filter((b) => b.status === 'closed' && b.closed)
    .sort((a, b) => (b.closed?.seq ?? 0) - (a.closed?.seq ?? 0))[0];
  return (
    <div
      role="alert"
      data-testid="breaker-alert"
      data-open={open.length}
      className="flex flex-col gap-2 rounded-md border border-status-failed/40 bg-status-failed-bg/60 px-3 py-2.5 text-sm"
    >
      {open.map((b) => (
        <OpenBreaker key={b.key} runId={runId} state={state} breaker={b} now={now} />
      ))}
      {(runHeld || agentsHeld.length > 0) && (
        <ResumeRow
          runId={runId}
          state={state}
          runHeld={runHeld}
          agentIds={agentsHeld.map((a) => a!.id)}
          lastReset={open.length === 0 ? lastReset : undefined}
        />
      )}
      <button
        type="button"
        className="self-start text-xs text-primary hover:underline"
        onClick={onDetails}
        data-testid="breaker-details"
      >
        Every breaker, its counter and thresholds →
      </button>
    </div>
  );
}

function OpenBreaker({
  runId,
  state,
  breaker: b,
  now,
}: {
  runId: string;
  state: RunState;
  breaker: BreakerState;
  now: number | null;
}) {
  const title = breakerTitle(b);
  const evidence = b.opened?.evidence ?? [];
  return (
    <div className="flex items-start gap-2.5" data-testid="open-breaker" data-breaker={b.key}>
      <ShieldAlertIcon className="mt-0.5 size-4 shrink-0 text-status-failed" />
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-medium text-status-failed" data-testid="breaker-title">
            Circuit breaker “{title}” tripped
          </span>
          <BreakerStatusBadge status={b.status} />
          {b.opened && now ? (
            <span className="text-xs text-muted-foreground">
              {formatRelative(b.opened.at, now)} · event {b.opened.seq}
              {b.trips > 1 ? ` · trip ${b.trips}` : ''}
            </span>
          ) : null}
        </div>
        <div className="mt-0.5 text-foreground" data-testid="breaker-reason">
          {b.opened?.reason}
        </div>
        <div className="text-xs text-muted-foreground" data-testid="breaker-holds">
          {holds(state, b)}
        </div>
        {evidence.length > 0 && (
          <ol
            className="mt-1.5 max-h-48 overflow-y-auto rounded border bg-background/70 px-2 py-1 font-mono text-[11px] leading-5"
            data-testid="breaker-evidence"
          >
            {evidence.map((e, i) => (
              <li key={i} className="flex gap-2" data-testid="breaker-evidence-item">
                <span className="w-10 shrink-0 text-right text-muted-foreground tabular">
                  {e.seq ?? ''}
                </span>
                <span className="min-w-0 break-all">{e.text}</span>
              </li>
            ))}
          </ol>
        )}
      </div>
      <IfCan permission="runs.control">
        <ResetBreakerDialog runId={runId} breaker={b} title={title} />
      </IfCan>
    </div>
  );
}

function ResumeRow({
  runId,
  state,
  runHeld,
  agentIds,
  lastReset,
}: {
  runId: string;
  state: RunState;
  runHeld: boolean;
  agentIds: string[];
  lastReset: BreakerState | undefined;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const stillHeld = runHeld
    ? Object.values(state.breakers.states).some(
        (b) => b.status !== 'closed' && b.kind !== 'provider' && b.opened?.agents.length === 0,
      )
    : agentIds.every((id) => coveringBreakers(state, id).some((b) => b.opened?.agents.length));
  const resume = useMutation({
    mutationFn: async () => {
      if (runHeld) {
        await client.runs.resume.mutate({ runId });
        return;
      }
      for (const agentId of agentIds)
        if (!coveringBreakers(state, agentId).some((b) => b.opened?.agents.length))
          await client.agents.resume.mutate({ runId, agentId });
    },
    onSuccess: () => queryClient.invalidateQueries(trpc.runs.pathFilter()),
  });
  const error = resume.error ? describeError(resume.error) : null;
  const who = runHeld
    ? 'the whole run'
    : agentIds.map((id) => state.agents[id]?.name ?? 'an agent').join(', ');
  return (
    <div className="flex flex-wrap items-center gap-2 border-t border-status-failed/20 pt-2">
      <div className="min-w-0 flex-1 text-xs">
        {lastReset?.closed ? (
          <span data-testid="breaker-reset-note">
            “{breakerTitle(lastReset)}” was reset by {lastReset.closed.by.id}
            {lastReset.closed.reason ? `: ${lastReset.closed.reason}` : ''}.{' '}
          </span>
        ) : null}
        <span className="text-muted-foreground">
          {stillHeld
            ? `The breaker holds ${who}: reset it before resuming.`
            : `The trip paused ${who}: resume when you are ready.`}
        </span>
        {error && <span className="ml-2 text-destructive">Could not resume: {error.message}</span>}
      </div>
      <IfCan permission="runs.control">
        <Button
          size="xs"
          onClick={() => resume.mutate()}
          disabled={stillHeld || resume.isPending}
          data-testid="breaker-resume"
          title={stillHeld ? 'Reset the breaker first' : `Resume ${who}`}
        >
          {resume.isPending ? <LoaderCircleIcon className="animate-spin" /> : <PlayIcon />}
          Resume
        </Button>
      </IfCan>
    </div>
  );
}
