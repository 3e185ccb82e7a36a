import { z } from 'zod';
import { BudgetAmounts, BudgetLimits, BudgetMetric } from './limits';
import { BudgetScope } from './scopes';

/**
 * Payloads of the budget events (part of the one event union in
 * events/schema.ts). A reservation has no event of its own: the model call's
 * `gate.decided` carries what was reserved for it, so the log does not grow
 * by one event per call.
 */

const Amount = z.number().int().nonnegative();
const ActorShape = z.object({
  kind: z.enum(['user', 'system', 'token']),
  id: z.string().max(200),
});

export const budgetPayloads = {
  /** A person set the run's budget while it runs: effective at the next gated call. */
  'budget.changed': z.object({
    by: ActorShape,
    scope: z.object({ kind: z.literal('run') }).strict(),
    /** The limits in force from now on (all of them, not a patch). */
    limits: BudgetLimits,
    previous: BudgetLimits,
    reason: z.string().max(2000),
  }),
  /** A soft limit was crossed (recorded once per scope and metric). */
  'budget.warned': z.object({
    scope: BudgetScope,
    metric: BudgetMetric,
    soft: Amount,
    used: Amount,
  }),
  /**
   * A call was refused at a hard limit, before it happened: the run is
   * quarantined (paused, state kept) in the same append.
   */
  'budget.exceeded': z.object({
    scope: BudgetScope,
    metric: BudgetMetric,
    limit: Amount,
    used: Amount,
    reserved: Amount,
    requested: Amount,
    /** What was refused: a turn, a model call, a tool call, or the run's clock. */
    subject: z.enum(['turn', 'model', 'tool', 'wall']),
    callId: z.string().max(200).nullable(),
    reason: z.string().max(2000),
  }),
} as const;

/** What `gate.decided` records of the reservation it made (model calls), if any. */
export const GateReservation = BudgetAmounts;
