import { steerAgent } from '@flightdeck/engine';
import { z } from 'zod';
import { AgentId, MAX_STEER_CHARS, RunId } from '../../schemas';
import { operatorProcedure } from '../../trpc';

export const SteerAgentInput = z
  .object({
    runId: RunId,
    agentId: AgentId,
    message: z.string().trim().min(1, 'write a message').max(MAX_STEER_CHARS),
  })
  .strict();

/** Tell an agent something: it reads the message at the start of its next turn. */
export const steer = operatorProcedure.input(SteerAgentInput).mutation(async ({ ctx, input }) => {
  const { seq } = await steerAgent(ctx.engine, {
    runId: input.runId,
    agentId: input.agentId,
    message: input.message,
    by: ctx.viewer.actor,
  });
  return { seq };
});
