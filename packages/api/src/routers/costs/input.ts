import { COST_RANGES, type CostSums } from '@flightdeck/engine';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';

/** Every costs procedure: a recent range and optionally one team. */
export const CostRange = z.enum(COST_RANGES);

export const CostsInput = z
  .object({
    range: CostRange.default('24h'),
    teamSlug: TeamSlug.optional(),
  })
  .strict();

/** Rows of a ranking: the top N (10 by default, at most 50). */
export const CostsRankingInput = z
  .object({
    range: CostRange.default('24h'),
    teamSlug: TeamSlug.optional(),
    limit: z.number().int().min(1).max(50).default(10),
  })
  .strict();

export interface CostSumsDto {
  costMicroUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

export function toSumsDto(sums: CostSums): CostSumsDto {
  return {
    costMicroUsd: sums.costMicroUsd,
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    calls: sums.calls,
  };
}
