import { CallId, PauseMode, RUN_STATUSES, ToolCallResolution } from '@flightdeck/domain';
import { z } from 'zod';

/** Input building blocks shared by procedures. Every input object is strict and capped. */
export const MAX_GOAL_CHARS = 4000;
export const MAX_REASON_CHARS = 2000;
/** The domain's caps on what an operator may tell an agent (`agent.steered`, `tool.call.resolved`). */
export const MAX_STEER_CHARS = 8000;
export const MAX_TOOL_OUTPUT_CHARS = 64_000;
/** A run page loads a long log in pages of this many events (the store reads at most 10,000 at once). */
export const MAX_HISTORY_PAGE = 10_000;
export const MAX_RUNS_PAGE = 200;

export const TeamSlug = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a team slug: lowercase letters, digits and dashes');

export const RunId = z.uuid();
export const AgentId = z.uuid();
export { CallId, PauseMode, ToolCallResolution };

export const RunStatusFilter = z.enum(RUN_STATUSES);

/** Why an operator stops something for good (kill): required, recorded in the log. */
export const RequiredReason = z.string().trim().min(1, 'say why').max(MAX_REASON_CHARS);
/** Why an operator holds something (pause): optional, empty when not given. */
export const OptionalReason = z.string().trim().max(MAX_REASON_CHARS).default('');
