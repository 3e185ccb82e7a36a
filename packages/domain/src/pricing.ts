import { z } from 'zod';

/**
 * Model prices, in USD per million tokens, as one versioned table. Costs are
 * kept in integer micro-dollars (1e-6 USD) so sums are exact; each call rounds
 * up. Every `llm.call.finished` records the cost and the version of the table
 * it was priced with; budget reservations price their worst case with the
 * same table (worstCaseMicroUsd). Tables are edited in the browser and stored
 * by version (the newest is current); DEFAULT_PRICE_TABLE applies until one is
 * saved.
 */

/** At most this many USD per million tokens: a typo guard, far above any model's price. */
export const MAX_USD_PER_MTOK = 10_000;
/** At most this many models in one table. */
export const MAX_PRICED_MODELS = 500;

const UsdPerMTok = z
  .number()
  .finite()
  .nonnegative('a price cannot be negative')
  .max(MAX_USD_PER_MTOK, `at most $${MAX_USD_PER_MTOK} per million tokens`);

export const ModelPrice = z
  .object({ inputPerMTok: UsdPerMTok, outputPerMTok: UsdPerMTok })
  .strict();
export type ModelPrice = z.infer<typeof ModelPrice>;

/**
 * A model's name as its provider spells it (what a manifest's `model` names
 * after the provider): letters, digits and . _ - : / @ +, starting with a letter
 * or digit.
 */
export const PricedModelName = z
  .string()
  .min(1, 'name the model')
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/,
    'a model name has letters, digits and . _ - : / @ + only, and starts with a letter or digit',
  );

export const PriceVersion = z.string().min(1).max(64);

export const Prices = z.record(z.string(), ModelPrice).superRefine((prices, ctx) => {
  const models = Object.keys(prices);
  if (models.length > MAX_PRICED_MODELS)
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_PRICED_MODELS} models` });
  for (const model of models) {
    const name = PricedModelName.safeParse(model);
    if (!name.success)
      ctx.addIssue({
        code: 'custom',
        path: [model],
        message: `"${model.slice(0, 100)}" is not a model name: ${name.error.issues[0]?.message ?? 'invalid'}`,
      });
  }
});
export type Prices = z.infer<typeof Prices>;

export const PriceTable = z.object({ version: PriceVersion, prices: Prices }).strict();
export type PriceTable = z.infer<typeof PriceTable>;

/** The prices Flightdeck ships with: current until someone saves a table. */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({
  version: '2026-11-01',
  prices: Object.freeze({
    'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
    'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
    'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
    'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
    'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
    'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
    'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
    'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  }),
});

/** The default table's prices (tests, fixtures). Price real calls with the loaded table. */
export const PRICES: Readonly<Record<string, ModelPrice>> = DEFAULT_PRICE_TABLE.prices;

/** A model's price in `table`; undefined for a model the table does not price. */
export function priceIn(table: PriceTable, model: string): ModelPrice | undefined {
  return Object.hasOwn(table.prices, model) ? table.prices[model] : undefined;
}

/** Micro-dollars of `tokens` at `usdPerMTok`, unrounded (USD per million tokens = micro-dollars per token). */
const microUsd = (tokens: number, usdPerMTok: number) => tokens * usdPerMTok;

/**
 * Rounds micro-dollars up to a whole one, after dropping binary floating-point
 * noise below a millionth of a micro-dollar (3 × 0.1 is 0.30000000000000004,
 * which must not cost an extra micro-dollar).
 */
const ceilMicroUsd = (microUsdAmount: number) => Math.ceil(Math.round(microUsdAmount * 1e6) / 1e6);

/** Cost of a call in micro-dollars, rounded up. Unknown models cost 0 and are flagged by the caller. */
export function costMicroUsd(
  table: PriceTable,
  model: string,
  usage: { inputTokens: number; outputTokens: number },
): number {
  const price = priceIn(table, model);
  if (!price) return 0;
  return ceilMicroUsd(
    microUsd(usage.inputTokens, price.inputPerMTok) +
      microUsd(usage.outputTokens, price.outputPerMTok),
  );
}

/**
 * The most a call can cost, in micro-dollars rounded up: its input and every
 * output token it may produce (what a budget reserves before the call). A
 * model without a price costs 0, as its recorded cost does.
 */
export function worstCaseMicroUsd(
  price: ModelPrice | undefined,
  inputTokens: number,
  maxOutputTokens: number,
): number {
  if (!price) return 0;
  return ceilMicroUsd(
    microUsd(inputTokens, price.inputPerMTok) + microUsd(maxOutputTokens, price.outputPerMTok),
  );
}

/** What changed from one table's prices to the next: model names, sorted. */
export interface PricesChange {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diffPrices(before: Prices, after: Prices): PricesChange {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [model, price] of Object.entries(after)) {
    const old = Object.hasOwn(before, model) ? before[model] : undefined;
    if (!old) added.push(model);
    else if (old.inputPerMTok !== price.inputPerMTok || old.outputPerMTok !== price.outputPerMTok)
      changed.push(model);
  }
  const removed = Object.keys(before).filter((model) => !Object.hasOwn(after, model));
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

export const isNoChange = (change: PricesChange) =>
  change.added.length + change.removed.length + change.changed.length === 0;

export function formatUsd(microUsd: number): string {
  const usd = microUsd / 1_000_000;
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
