/**
 * Prices of common models in USD per million tokens. Costs are kept in integer
 * micro-dollars (1e-6 USD) so sums are exact; each call rounds up.
 */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const PRICE_TABLE_VERSION = '2026-11-01';

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
};

export function priceOf(model: string): ModelPrice | undefined {
  return PRICES[model];
}

/** Cost of a call in micro-dollars, rounded up. Unknown models cost 0 and are flagged by the caller. */
export function costMicroUsd(
  model: string,
  usage: { inputTokens: number; outputTokens: number },
): number {
  const price = priceOf(model);
  if (!price) return 0;
  return Math.ceil(
    usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok,
  );
}

export function formatUsd(microUsd: number): string {
  const usd = microUsd / 1_000_000;
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
