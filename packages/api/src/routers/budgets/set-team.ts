import { PeriodBudgetsInput } from '@flightdeck/domain';
import { getTeam, setTeamBudget } from '@flightdeck/engine';
import { DomainError } from '@flightdeck/domain';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { governanceProcedure } from '../../trpc';

export const SetTeamBudgetInput = z
  .object({
    slug: TeamSlug,
    /** Limits per UTC day and per UTC month, in people's units. */
    budget: PeriodBudgetsInput,
  })
  .strict();

/** Set a team's budgets (a new audited version): in force from its runs' next gated call. */
export const setTeam = governanceProcedure
  .input(SetTeamBudgetInput)
  .mutation(async ({ ctx, input }) => {
    const found = await getTeam(ctx.engine, { slug: input.slug });
    if (!found) throw new DomainError('NOT_FOUND', `No team ${input.slug}`);
    const saved = await setTeamBudget(ctx.engine, {
      teamId: found.id,
      budgets: input.budget,
      by: ctx.viewer.actor,
    });
    return { version: saved.version, day: saved.day, month: saved.month };
  });
