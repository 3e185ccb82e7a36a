'use client';

import { type BudgetLimits, describeLimits } from '@flightdeck/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheckIcon, LoaderCircleIcon, SaveIcon } from 'lucide-react';
import { useState } from 'react';
import { describeError } from '@/client/errors';
import { formatDateTime } from '@/client/format';
import { useTRPC } from '@/client/trpc';
import { IfCan } from '@/components/if-can';
import { ScopeGauges } from '@/components/budget/budget-gauges';
import { LimitsFields } from '@/components/budget/limits-fields';
import {
  budgetFromForm,
  formFromLimits,
  type LimitsForm,
  PERIOD_FIELDS,
} from '@/components/budget/limits-form-state';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-error';
import { Skeleton } from '@/components/ui/skeleton';

/**
 * A team's budgets per UTC day and month: what today and this month used
 * against them (and against the global budget), and, for governance, the form
 * that sets them (a new audited version, held from the next gated call).
 */
export function TeamBudgets({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.budgets.team.queryOptions({ slug }, { refetchInterval: 5000 }));
  const data = status.data;
  return (
    <Card data-testid="team-budgets">
      <CardHeader>
        <CardTitle>Budgets</CardTitle>
        <span className="text-xs text-muted-foreground">
          {data
            ? data.version === 0
              ? 'none set'
              : `version ${data.version}${data.updatedAt ? ` · ${formatDateTime(data.updatedAt)} by ${data.updatedBy ?? '?'}` : ''}`
            : ''}
        </span>
      </CardHeader>
      <CardContent className="flex flex-col gap-5">
        {status.isPending ? (
          <Skeleton className="h-32" />
        ) : status.error ? (
          <FormError message={status.error.message} />
        ) : (
          <>
            <div className="grid gap-5 sm:grid-cols-2">
              {data!.scopes.map((s) => (
                <ScopeGauges key={JSON.stringify(s.scope)} status={s} />
              ))}
            </div>
            <IfCan permission="governance.write">
              <PeriodForm
                key={`team-${data!.version}`}
                title="Set this team's budgets"
                idPrefix="team-budget"
                initial={data!.budgets}
                target={{ kind: 'team', slug }}
              />
              <PeriodForm
                key={`global-${data!.global.version}`}
                title="Set the global budget (every team together)"
                idPrefix="global-budget"
                initial={data!.global}
                target={{ kind: 'global' }}
              />
            </IfCan>
          </>
        )}
      </CardContent>
    </Card>
  );
}

type SaveTarget = { kind: 'team'; slug: string } | { kind: 'global' };

function PeriodForm({
  title,
  idPrefix,
  initial,
  target,
}: {
  title: string;
  idPrefix: string;
  initial: { day: BudgetLimits; month: BudgetLimits };
  target: SaveTarget;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [day, setDay] = useState<LimitsForm>(() => formFromLimits(initial.day, PERIOD_FIELDS));
  const [month, setMonth] = useState<LimitsForm>(() =>
    formFromLimits(initial.month, PERIOD_FIELDS),
  );
  const [local, setLocal] = useState<string | null>(null);
  const done = { onSuccess: () => queryClient.invalidateQueries(trpc.budgets.pathFilter()) };
  const saveTeam = useMutation(trpc.budgets.setTeam.mutationOptions(done));
  const saveGlobal = useMutation(trpc.budgets.setGlobal.mutationOptions(done));
  const pending = saveTeam.isPending || saveGlobal.isPending;
  const failed = saveTeam.error ?? saveGlobal.error;
  const error = local ?? (failed ? describeError(failed).message : null);
  const submit = () => {
    const d = budgetFromForm(day);
    const m = budgetFromForm(month);
    const bad = !d.ok ? d : !m.ok ? m : null;
    if (bad && !bad.ok) {
      setLocal(bad.message);
      return;
    }
    setLocal(null);
    const budget = { day: d.ok ? d.budget : {}, month: m.ok ? m.budget : {} };
    if (target.kind === 'team') saveTeam.mutate({ slug: target.slug, budget });
    else saveGlobal.mutate({ budget });
  };
  return (
    <section className="flex flex-col gap-2 rounded-md border p-3" data-testid={`${idPrefix}-form`}>
      <h3 className="text-sm font-semibold">{title}</h3>
      <p className="text-xs text-muted-foreground">
        Now: per day {describeLimits(initial.day)}; per month {describeLimits(initial.month)}.
      </p>
      <div className="flex flex-col gap-4">
        <div className="flex flex-col gap-1">
          <span className="text-xs font-medium">Per UTC day</span>
          <LimitsFields
            idPrefix={`${idPrefix}-day`}
            fields={PERIOD_FIELDS}
            value={day}
            onChange={setDay}
          />
        </div>
        <div className="flex flex-col gap-1">
          <span className="text-xs font-medium">Per UTC month</span>
          <LimitsFields
            idPrefix={`${idPrefix}-month`}
            fields={PERIOD_FIELDS}
            value={month}
            onChange={setMonth}
          />
        </div>
      </div>
      {error && <FormError message={error} />}
      <div className="flex items-center gap-2">
        <Button size="sm" onClick={submit} disabled={pending} data-testid={`${idPrefix}-save`}>
          {pending ? <LoaderCircleIcon className="animate-spin" /> : <SaveIcon />}
          Save
        </Button>
        {(saveTeam.isSuccess || saveGlobal.isSuccess) && (
          <span className="flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
            <CircleCheckIcon className="size-3.5" /> Saved
          </span>
        )}
      </div>
    </section>
  );
}
