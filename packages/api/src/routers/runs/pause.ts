import { pauseRun } from '@flightdeck/engine';
import { z } from 'zod';
import { OptionalReason, PauseMode, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const PauseRunInput = z
  .object({
    runId: RunId,
    /** `finish-turn`: turns in flight complete; `abort-turn`: they stop now and continue from the log on resume. */
    mode: PauseMode,
    reason: OptionalReason,
  })
  .strict();

/** Hold the whole team: no agent starts a new turn until the run is resumed. */
export const pause = operatorProcedure.input(PauseRunInput).mutation(async ({ ctx, input }) => {
  const { status } = await pauseRun(ctx.engine, {
    runId: input.runId,
    mode: input.mode,
    reason: input.reason,
    by: ctx.viewer.actor,
  });
  return { status };
});
