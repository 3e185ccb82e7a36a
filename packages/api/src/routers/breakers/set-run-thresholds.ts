import { BreakerOverrides } from '@flightdeck/domain';
import { setRunBreakerThresholds } from '@flightdeck/engine';
import { z } from 'zod';
import { RequiredReason, RunId } from '../../schemas';
import { governanceProcedure } from '../../trpc';

export const SetRunThresholdsInput = z
  .object({
    runId: RunId,
    /** Only what changes, over the run's current thresholds. */
    thresholds: BreakerOverrides,
    reason: RequiredReason,
  })
  .strict();

/** Change a live run's breaker thresholds: recorded as an event, in force from its next gated call. */
export const setRunThresholds = governanceProcedure
  .input(SetRunThresholdsInput)
  .mutation(({ ctx, input }) =>
    setRunBreakerThresholds(ctx.engine, { ...input, by: ctx.viewer.actor }),
  );
