import { RUN_STATUSES } from '@flightdeck/domain';
import { z } from 'zod';

/** Input building blocks shared by procedures. Every input object is strict and capped. */
export const TeamSlug = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a team slug: lowercase letters, digits and dashes');

export const RunId = z.uuid();

export const RunStatusFilter = z.enum(RUN_STATUSES);

export const MAX_GOAL_CHARS = 4000;
export const MAX_REASON_CHARS = 2000;
export const MAX_EVENTS_PAGE = 1000;
export const MAX_RUNS_PAGE = 200;
