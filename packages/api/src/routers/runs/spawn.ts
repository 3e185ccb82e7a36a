import { spawnRun } from '@flightdeck/engine';
import { z } from 'zod';
import { MAX_GOAL_CHARS, TeamSlug } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const SpawnRunInput = z
  .object({
    teamSlug: TeamSlug,
    goal: z.string().trim().min(1, 'describe the goal').max(MAX_GOAL_CHARS),
  })
  .strict();

export const spawn = operatorProcedure.input(SpawnRunInput).mutation(async ({ ctx, input }) => {
  const { runId } = await spawnRun(ctx.engine, {
    teamSlug: input.teamSlug,
    goal: input.goal,
    by: ctx.viewer.actor,
  });
  return { runId };
});
