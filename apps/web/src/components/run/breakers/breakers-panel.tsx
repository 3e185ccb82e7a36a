'use client';

import {
  breakerGauges,
  type BreakerGauge,
  isTerminalRunStatus,
  type RunState,
} from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LoaderCircleIcon, SaveIcon, SlidersHorizontalIcon } from 'lucide-react';
import { useMemo, useState } from 'react';
import { describeError } from '@/client/errors';
import { formatClock, formatRelative } from '@/client/format';
import { useCan } from '@/client/session';
import { useTRPC } from '@/client/trpc';
import { IfCan } from '@/components/if-can';
import { BreakerStatusBadge } from '@/components/breakers/breaker-status';
import { draftOf, overridesOf, ThresholdsFields } from '@/components/breakers/thresholds-form';
import { Button } from '@/components/ui/button';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';
import { breakerTitle } from './breaker-alert';
import { ResetBreakerDialog } from './reset-breaker-dialog';

/**
 * The run's breakers tab: each breaker's state (closed / open / half-open),
 * its counter against its threshold as of the log's last event, why and when
 * it last tripped or closed; the model providers' shared breakers; the run's
 * thresholds, which governance may change (recorded, in force from the next
 * gated call).
 */
export function BreakersPanel({
  runId,
  state,
  now,
}: {
  runId: string;
  state: RunState;
  now: number | null;
}) {
  // Gauges are a pure function of the state: recomputed when it changes.
  const gauges = useMemo(() => breakerGauges(state), [state]);
  const runGauges = gauges.filter((g) => g.kind !== 'provider');
  return (
    <div className="h-full overflow-y-auto" data-testid="breakers-panel">
      <div className="flex flex-col gap-4 p-4">
        <section>
          <h3 className="mb-2 text-xs font-semibold tracking-wide text-muted-foreground uppercase">
            This run
          </h3>
          <div className="divide-y rounded-md border">
            {runGauges.map((g) => (
              <GaugeRow key={g.key} runId={runId} gauge={g} now={now} />
            ))}
          </div>
        </section>
        <Providers runId={runId} state={state} gauges={gauges} now={now} />
        <Thresholds runId={runId} state={state} now={now} />
      </div>
    </div>
  );
}

function GaugeRow({
  runId,
  gauge: g,
  now,
}: {
  runId: string;
  gauge: BreakerGauge;
  now: number | null;
}) {
  const m = g.measure;
  const ratio = m && m.threshold > 0 ? Math.min(1, m.value / m.threshold) : 0;
  const last = g.state?.status === 'closed' ? g.state.closed : null;
  return (
    <div
      className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-3 py-2"
      data-testid="breaker-row"
      data-breaker={g.key}
      data-status={g.status}
    >
      <div className="min-w-0">
        <div className="flex items-center gap-2">
          <span className="text-sm font-medium">{g.title}</span>
          <BreakerStatusBadge status={g.status} />
          {!g.enabled && <span className="text-[11px] text-muted-foreground">disabled</span>}
        </div>
        <div className="truncate text-xs text-muted-foreground" title={g.description}>
          {g.status !== 'closed' && g.state?.opened
            ? g.state.opened.reason
            : last
              ? `Reset by ${last.by.id}${now ? ` ${formatRelative(last.at, now)}` : ''}${last.reason ? `: ${last.reason}` : ''}`
              : g.description}
        </div>
      </div>
      <div className="flex items-center gap-3">
        {m && (
          <div className="flex w-36 flex-col items-end gap-1" title={m.reason}>
            <span className="text-xs tabular" data-testid="breaker-counter">
              {m.value} / {m.threshold}
              {g.kind === 'costVelocity' ? ' $/min' : ''}
            </span>
            <div className="h-1.5 w-full overflow-hidden rounded-full bg-muted">
              <div
                className={cn(
                  'h-full rounded-full',
                  g.status !== 'closed'
                    ? 'bg-status-failed'
                    : ratio >= 0.75
                      ? 'bg-amber-500'
                      : 'bg-status-completed',
                )}
                style={{ width: `${Math.round(ratio * 100)}%` }}
              />
            </div>
          </div>
        )}
        {g.status !== 'closed' && g.state ? (
          <IfCan permission="runs.control">
            <ResetBreakerDialog runId={runId} breaker={g.state} title={breakerTitle(g.state)} />
          </IfCan>
        ) : (
          <span className="w-[62px]" />
        )}
      </div>
    </div>
  );
}

function Providers({
  runId,
  state,
  gauges,
  now,
}: {
  runId: string;
  state: RunState;
  gauges: BreakerGauge[];
  now: number | null;
}) {
  const trpc = useTRPC();
  const providers = useQuery(
    trpc.breakers.providers.queryOptions(undefined, { refetchInterval: 5_000 }),
  );
  const used = new Set(Object.values(state.agents).map((a) => a.model.provider));
  const { failures } = state.breakers.thresholds.provider;
  return (
    <section>
      <h3 className="mb-2 text-xs font-semibold tracking-wide text-muted-foreground uppercase">
        Model providers (shared by every run)
      </h3>
      <div className="divide-y rounded-md border">
        {(providers.data ?? [])
          .filter((p) => used.has(p.provider) || p.status !== 'closed')
          .map((p) => {
            const inRun = gauges.find((g) => g.key === `provider:${p.provider}`)?.state ?? null;
            return (
              <div
                key={p.provider}
                className="flex items-center gap-3 px-3 py-2"
                data-testid="provider-breaker"
                data-provider={p.provider}
                data-status={p.status}
              >
                <span className="w-24 font-mono text-sm">{p.provider}</span>
                <BreakerStatusBadge status={p.status} />
                <span className="min-w-0 flex-1 truncate text-xs text-muted-foreground">
                  {p.status === 'open' && p.retryAt
                    ? `Calls wait; one probe at ${formatClock(p.retryAt)}${p.lastError ? ` · last error: ${p.lastError}` : ''}`
                    : p.status === 'half-open'
                      ? 'One probe call is trying it'
                      : `${p.failures} / ${failures} failures in a row${p.trips ? ` · opened ${p.trips} time${p.trips === 1 ? '' : 's'}` : ''}`}
                  {inRun?.closed && now
                    ? ` · in this run: closed ${formatRelative(inRun.closed.at, now)}`
                    : ''}
                </span>
                {inRun && inRun.status !== 'closed' ? (
                  <IfCan permission="runs.control">
                    <ResetBreakerDialog runId={runId} breaker={inRun} title={breakerTitle(inRun)} />
                  </IfCan>
                ) : null}
              </div>
            );
          })}
        {providers.isPending && <div className="px-3 py-2 text-xs text-muted-foreground">…</div>}
        {providers.error && (
          <div className="px-3 py-2 text-xs text-destructive">{providers.error.message}</div>
        )}
      </div>
    </section>
  );
}

function Thresholds({ runId, state, now }: { runId: string; state: RunState; now: number | null }) {
  const canEdit = useCan('governance.write') && !isTerminalRunStatus(state.status);
  const [editing, setEditing] = useState(false);
  const set = state.breakers.thresholdsSet;
  return (
    <section>
      <div className="mb-2 flex items-center gap-2">
        <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
          Thresholds
        </h3>
        <span className="text-xs text-muted-foreground" data-testid="thresholds-source">
          {!set
            ? 'built-in defaults'
            : set.source === 'spawn'
              ? 'as the team had them when the run was spawned'
              : `changed by ${set.by.id}${now ? ` ${formatRelative(set.at, now)}` : ''}${set.reason ? `: ${set.reason}` : ''}`}
        </span>
        {canEdit && !editing && (
          <Button
            size="xs"
            variant="outline"
            className="ml-auto"
            onClick={() => setEditing(true)}
            data-testid="thresholds-edit"
          >
            <SlidersHorizontalIcon /> Change
          </Button>
        )}
      </div>
      {editing ? (
        <ThresholdsEditor
          key={state.breakers.thresholdsSet?.seq ?? 0}
          runId={runId}
          state={state}
          onDone={() => setEditing(false)}
        />
      ) : (
        <ThresholdsFields draft={draftOf(state.breakers.thresholds)} readOnly />
      )}
    </section>
  );
}

function ThresholdsEditor({
  runId,
  state,
  onDone,
}: {
  runId: string;
  state: RunState;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const base = state.breakers.thresholds;
  const [draft, setDraft] = useState(() => draftOf(base));
  const [reason, setReason] = useState('');
  const save = useMutation(
    trpc.breakers.setRunThresholds.mutationOptions({
      onSuccess: async () => {
        onDone();
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
      },
    }),
  );
  const error = save.error ? describeError(save.error) : null;
  const changes = overridesOf(draft, base);
  return (
    <div className="flex flex-col gap-2">
      <ThresholdsFields draft={draft} onChange={setDraft} issues={error?.issues ?? []} />
      <Input
        placeholder="Why change them? (recorded in the run's log)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        maxLength={2000}
        data-testid="thresholds-reason"
      />
      {error && <FormError message={error.message} />}
      <div className="flex items-center gap-2">
        <Button
          size="sm"
          disabled={save.isPending || !reason.trim() || Object.keys(changes).length === 0}
          onClick={() => save.mutate({ runId, thresholds: changes, reason: reason.trim() })}
          data-testid="thresholds-save"
        >
          {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
          Apply from the next call
        </Button>
        <Button size="sm" variant="outline" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
