import { killRun } from '@flightdeck/engine';
import { z } from 'zod';
import { MAX_REASON_CHARS, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const KillRunInput = z
  .object({
    runId: RunId,
    reason: z.string().trim().min(1, 'say why').max(MAX_REASON_CHARS),
  })
  .strict();

export const kill = operatorProcedure.input(KillRunInput).mutation(async ({ ctx, input }) => {
  const { status } = await killRun(ctx.engine, { runId: input.runId, reason: input.reason, by: ctx.viewer.actor });
  return { status };
});
