import { pauseAgent } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, OptionalReason, PauseMode, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const PauseAgentInput = z
  .object({
    runId: RunId,
    agentId: AgentId,
    mode: PauseMode,
    reason: OptionalReason,
  })
  .strict();

/** Hold one agent (its subagents go on): it starts no new turn until resumed. */
export const pause = operatorProcedure.input(PauseAgentInput).mutation(async ({ ctx, input }) => {
  const { paused } = await pauseAgent(ctx.engine, {
    runId: input.runId,
    agentId: input.agentId,
    mode: input.mode,
    reason: input.reason,
    by: ctx.viewer.actor,
  });
  return { paused };
});
