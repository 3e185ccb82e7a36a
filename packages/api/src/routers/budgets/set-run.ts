import { BudgetInput } from '@flightdeck/domain';
import { setRunBudget } from '@flightdeck/engine';
import { z } from 'zod';
import { OptionalReason, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const SetRunBudgetInput = z
  .object({
    runId: RunId,
    /** All of the run's limits from now on, in people's units (`usd`, `wallSeconds`). */
    budget: BudgetInput,
    reason: OptionalReason,
  })
  .strict();

/** Change a run's budget while it runs (recorded as `budget.changed`): in force from its next gated call. */
export const setRun = operatorProcedure.input(SetRunBudgetInput).mutation(({ ctx, input }) =>
  setRunBudget(ctx.engine, {
    runId: input.runId,
    limits: input.budget,
    reason: input.reason,
    by: ctx.viewer.actor,
  }),
);
