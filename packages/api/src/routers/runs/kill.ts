import { killRun } from '@flightdeck/engine';
import { z } from 'zod';
import { RequiredReason, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const KillRunInput = z
  .object({
    runId: RunId,
    reason: RequiredReason,
  })
  .strict();

export const kill = operatorProcedure.input(KillRunInput).mutation(async ({ ctx, input }) => {
  const { status } = await killRun(ctx.engine, {
    runId: input.runId,
    reason: input.reason,
    by: ctx.viewer.actor,
  });
  return { status };
});
