import { resumeRun } from '@flightdeck/engine';
import { z } from 'zod';
import { RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const ResumeRunInput = z.object({ runId: RunId }).strict();

/** Let a paused team go on: every turn it now needs is queued again. */
export const resume = operatorProcedure.input(ResumeRunInput).mutation(async ({ ctx, input }) => {
  const { status, queued } = await resumeRun(ctx.engine, {
    runId: input.runId,
    by: ctx.viewer.actor,
  });
  return { status, queued };
});
