import { DomainError, PeriodBudgetsInput } from '@flightdeck/domain';
import { setGlobalBudget } from '@flightdeck/engine';
import { z } from 'zod';
import { governanceProcedure } from '../../trpc';

export const SetGlobalBudgetInput = z.object({ budget: PeriodBudgetsInput }).strict();

/** Set the global budgets (every team together); only for someone who governs every team. */
export const setGlobal = governanceProcedure
  .input(SetGlobalBudgetInput)
  .mutation(async ({ ctx, input }) => {
    if (ctx.viewer.teams !== 'all')
      throw new DomainError(
        'FORBIDDEN',
        'The global budget covers every team: your access is limited to some.',
      );
    const saved = await setGlobalBudget(ctx.engine, {
      budgets: input.budget,
      by: ctx.viewer.actor,
    });
    return { version: saved.version, day: saved.day, month: saved.month };
  });
