'use client';

import {
  describeLimits,
  describeScope,
  formatBudgetAmount,
  type RunEvent,
  type RunState,
  runTreeStatus,
} from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheckIcon, LoaderCircleIcon, SaveIcon } from 'lucide-react';
import { useMemo, useState } from 'react';
import { describeError } from '@/client/errors';
import { formatDateTime } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { useNow } from '@/client/use-now';
import { IfCan } from '@/components/if-can';
import { ScopeGauges } from '@/components/budget/budget-gauges';
import { LimitsFields } from '@/components/budget/limits-fields';
import { budgetFromForm, formFromLimits, RUN_FIELDS } from '@/components/budget/limits-form-state';
import { Button } from '@/components/ui/button';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { isActiveRun } from '@/components/status';
import { ResumeRunButton } from './pause-run-dialog';

/**
 * The run's budget: gauges of the run and each agent's slice, live from the
 * log (used, in flight, projected exhaustion), the team's and the global
 * periods from the server, the history of changes and warnings, and the form
 * to change the run's budget.
 */
export function RunBudget({
  runId,
  state,
  events,
  count,
}: {
  runId: string;
  state: RunState;
  events: readonly RunEvent[];
  count: number;
}) {
  const trpc = useTRPC();
  const now = useNow(1000) ?? 0;
  const runTree = useMemo(
    () => (now ? runTreeStatus(state, events, now, count) : []),
    [state, events, count, now],
  );
  const server = useQuery(
    trpc.budgets.run.queryOptions(
      { runId },
      { refetchInterval: isActiveRun(state.status) ? 3000 : false },
    ),
  );
  const periods = (server.data?.scopes ?? []).filter(
    (s) => s.scope.kind === 'team' || s.scope.kind === 'global',
  );
  const name = (id: string) => state.agents[id]?.name;
  return (
    <div className="flex h-full flex-col gap-5 overflow-y-auto p-4" data-testid="run-budget">
      {state.budget.stop && state.status === 'paused' && (
        <div
          role="alert"
          className="flex flex-wrap items-center gap-3 rounded-md border border-status-failed/40 bg-status-failed-bg/60 px-3 py-2 text-sm"
          data-testid="budget-stop-panel"
        >
          <div className="min-w-0 flex-1">
            <div className="font-medium text-status-failed">Stopped by its budget</div>
            <div className="text-xs">{state.budget.stop.reason}</div>
            <div className="text-xs text-muted-foreground">
              Nothing was dispatched after this. Raise the budget below, then resume.
            </div>
          </div>
          <IfCan permission="runs.control">
            <ResumeRunButton runId={runId} testId="budget-resume-run" />
          </IfCan>
        </div>
      )}

      <section className="grid gap-5 md:grid-cols-2">
        {runTree.map((status) => (
          <ScopeGauges key={JSON.stringify(status.scope)} status={status} />
        ))}
      </section>

      <section className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold">Team and global periods</h3>
        {server.isPending ? (
          <div className="text-xs text-muted-foreground">Loading…</div>
        ) : server.error ? (
          <FormError message={server.error.message} />
        ) : (
          <div className="grid gap-5 md:grid-cols-2">
            {periods.map((status) => (
              <ScopeGauges key={JSON.stringify(status.scope)} status={status} />
            ))}
          </div>
        )}
      </section>

      <IfCan permission="runs.control">
        {/* Mounted once the log is read (its limits fill the form), and again after each change. */}
        {state.runId && isActiveRun(state.status) && (
          <RunBudgetForm key={state.budget.version} runId={runId} state={state} />
        )}
      </IfCan>

      {(state.budget.changes.length > 0 ||
        state.budget.warned.length > 0 ||
        state.budget.exceeded.length > 0) && (
        <section className="flex flex-col gap-1.5" data-testid="budget-history">
          <h3 className="text-sm font-semibold">History</h3>
          <ul className="flex flex-col gap-1 text-xs">
            {[
              ...state.budget.changes.map((c) => ({
                seq: c.seq,
                at: c.at,
                text: `Budget set by ${c.by.id}: ${describeLimits(c.limits)}${c.reason ? ` · ${c.reason}` : ''}`,
                tone: 'text-foreground',
              })),
              ...state.budget.warned.map((w) => ({
                seq: w.seq,
                at: w.at,
                text: `Soft limit: ${describeScope(w.scope, name)} used ${formatBudgetAmount(w.metric, w.used)} (warn at ${formatBudgetAmount(w.metric, w.soft)})`,
                tone: 'text-amber-700 dark:text-amber-400',
              })),
              ...state.budget.exceeded.map((e) => ({
                seq: e.seq,
                at: e.at,
                text: `Stopped: ${e.reason}`,
                tone: 'text-status-failed',
              })),
            ]
              .sort((a, b) => a.seq - b.seq)
              .map((item) => (
                <li key={item.seq} className={item.tone}>
                  <span className="mr-2 font-mono text-muted-foreground">
                    {formatDateTime(item.at)}
                  </span>
                  {item.text}
                </li>
              ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function RunBudgetForm({ runId, state }: { runId: string; state: RunState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState(() => formFromLimits(state.budget.limits, RUN_FIELDS));
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const save = useMutation(
    trpc.budgets.setRun.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.budgets.pathFilter()),
    }),
  );
  const error = local ?? (save.error ? describeError(save.error).message : null);
  const submit = () => {
    const parsed = budgetFromForm(form);
    if (!parsed.ok) {
      setLocal(parsed.message);
      return;
    }
    setLocal(null);
    save.mutate({ runId, budget: parsed.budget, reason });
  };
  return (
    <section className="flex flex-col gap-2 rounded-md border p-3" data-testid="run-budget-form">
      <div>
        <h3 className="text-sm font-semibold">Change this run&apos;s budget</h3>
        <p className="text-xs text-muted-foreground">
          Recorded in the log; held from the next model call, tool call or turn. Now:{' '}
          {describeLimits(state.budget.limits)}.
        </p>
      </div>
      <LimitsFields idPrefix="run-budget" fields={RUN_FIELDS} value={form} onChange={setForm} />
      <Input
        className="h-8 text-xs"
        placeholder="Why (optional)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        data-testid="run-budget-reason"
      />
      {error && <FormError message={error} />}
      <div className="flex items-center gap-2">
        <Button size="sm" onClick={submit} disabled={save.isPending} data-testid="run-budget-save">
          {save.isPending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
          Save budget
        </Button>
        {save.isSuccess && (
          <span className="flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
            <CircleCheckIcon className="size-3.5" /> Saved
            {state.status === 'paused' && state.budget.stop ? ': now resume the run' : ''}
          </span>
        )}
      </div>
    </section>
  );
}
