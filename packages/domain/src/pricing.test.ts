import { describe, expect, it } from 'vitest';
import {
  costMicroUsd,
  DEFAULT_PRICE_TABLE,
  diffPrices,
  formatUsd,
  MAX_PRICED_MODELS,
  MAX_USD_PER_MTOK,
  PriceTable,
  priceIn,
  worstCaseMicroUsd,
} from './pricing';

const table = (prices: PriceTable['prices'], version = 't1'): PriceTable => ({ version, prices });

describe('costMicroUsd', () => {
  it('prices a call in whole micro-dollars, rounding up', () => {
    // gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    const usage = { inputTokens: 1000, outputTokens: 1000 };
    expect(costMicroUsd(DEFAULT_PRICE_TABLE, 'gpt-4o-mini', usage)).toBe(750);
    expect(
      costMicroUsd(DEFAULT_PRICE_TABLE, 'gpt-4o-mini', { inputTokens: 1, outputTokens: 0 }),
    ).toBe(1);
    expect(costMicroUsd(DEFAULT_PRICE_TABLE, 'unknown-model', usage)).toBe(0);
  });

  it('prices with the table it is given', () => {
    const edited = table({ 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } });
    const usage = { inputTokens: 1000, outputTokens: 500 };
    expect(costMicroUsd(edited, 'gpt-4o-mini', usage)).toBe(2000);
    // A model the edited table removed costs nothing (the caller flags it).
    expect(costMicroUsd(edited, 'gpt-4o', usage)).toBe(0);
    expect(costMicroUsd(table({}), 'gpt-4o-mini', usage)).toBe(0);
  });

  it('does not charge a micro-dollar for floating-point noise, and does round real fractions up', () => {
    const seven = table({ m: { inputPerMTok: 0.07, outputPerMTok: 1.1 } });
    // 100 × 0.07 is 7.000000000000001 in binary floating point: 7 micro-dollars, not 8.
    expect(costMicroUsd(seven, 'm', { inputTokens: 100, outputTokens: 0 })).toBe(7);
    // 50 × 1.1 is 55.00000000000001: 55.
    expect(costMicroUsd(seven, 'm', { inputTokens: 0, outputTokens: 50 })).toBe(55);
    expect(worstCaseMicroUsd(priceIn(seven, 'm'), 100, 50)).toBe(62);
    // A real fraction still rounds up: 101 × 0.07 = 7.07.
    expect(costMicroUsd(seven, 'm', { inputTokens: 101, outputTokens: 0 })).toBe(8);
    expect(costMicroUsd(seven, 'm', { inputTokens: 1, outputTokens: 0 })).toBe(1);
  });

  it('does not read inherited properties as prices', () => {
    expect(priceIn(DEFAULT_PRICE_TABLE, 'toString')).toBeUndefined();
    expect(
      costMicroUsd(DEFAULT_PRICE_TABLE, 'constructor', { inputTokens: 5, outputTokens: 5 }),
    ).toBe(0);
  });
});

describe('worstCaseMicroUsd', () => {
  it('is the input plus every output token the call may produce, rounded up', () => {
    const price = priceIn(DEFAULT_PRICE_TABLE, 'gpt-4o-mini');
    // 1000 × 0.15 + 1024 × 0.6 = 150 + 614.4
    expect(worstCaseMicroUsd(price, 1000, 1024)).toBe(765);
    expect(worstCaseMicroUsd(undefined, 1000, 1024)).toBe(0);
    expect(worstCaseMicroUsd(price, 0, 0)).toBe(0);
  });

  it('is never below the cost of a call that stays within it', () => {
    for (const model of Object.keys(DEFAULT_PRICE_TABLE.prices)) {
      const price = priceIn(DEFAULT_PRICE_TABLE, model);
      for (const [input, output] of [
        [1, 1],
        [1234, 567],
        [100_000, 4096],
      ] as const) {
        const worst = worstCaseMicroUsd(price, input, output);
        for (const used of [0, Math.floor(output / 2), output])
          expect(
            costMicroUsd(DEFAULT_PRICE_TABLE, model, { inputTokens: input, outputTokens: used }),
          ).toBeLessThanOrEqual(worst);
      }
    }
  });
});

describe('PriceTable', () => {
  it('accepts the default table', () => {
    expect(PriceTable.parse(DEFAULT_PRICE_TABLE)).toEqual(DEFAULT_PRICE_TABLE);
  });

  it('refuses negative, non-finite and absurd prices', () => {
    for (const bad of [-0.01, Number.NaN, Infinity, MAX_USD_PER_MTOK + 1]) {
      const parsed = PriceTable.safeParse(table({ m: { inputPerMTok: bad, outputPerMTok: 1 } }));
      expect(parsed.success, String(bad)).toBe(false);
    }
    expect(PriceTable.safeParse(table({ m: { inputPerMTok: 0, outputPerMTok: 0 } })).success).toBe(
      true,
    );
  });

  it('refuses model names that are not names, and unknown fields', () => {
    for (const name of ['', ' gpt-4o', 'gpt 4o', '-x', 'a'.repeat(101), 'x;drop', '<b>']) {
      const parsed = PriceTable.safeParse(table({ [name]: { inputPerMTok: 1, outputPerMTok: 1 } }));
      expect(parsed.success, JSON.stringify(name)).toBe(false);
    }
    for (const name of [
      'gpt-4o',
      'claude-sonnet-4-5',
      'meta/llama-3.1:70b',
      'org@model+v2',
      'x_y.z',
    ])
      expect(
        PriceTable.safeParse(table({ [name]: { inputPerMTok: 1, outputPerMTok: 1 } })).success,
        name,
      ).toBe(true);
    expect(
      PriceTable.safeParse({
        version: 'v',
        prices: { m: { inputPerMTok: 1, outputPerMTok: 1, cachedPerMTok: 0.5 } },
      }).success,
    ).toBe(false);
  });

  it(`holds at most ${MAX_PRICED_MODELS} models`, () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_PRICED_MODELS + 1 }, (_, i) => [
        `m${i}`,
        { inputPerMTok: 1, outputPerMTok: 1 },
      ]),
    );
    expect(PriceTable.safeParse(table(many)).success).toBe(false);
  });
});

describe('diffPrices', () => {
  it('names the models added, removed and changed', () => {
    const before = {
      a: { inputPerMTok: 1, outputPerMTok: 2 },
      b: { inputPerMTok: 1, outputPerMTok: 2 },
      c: { inputPerMTok: 1, outputPerMTok: 2 },
    };
    const after = {
      a: { inputPerMTok: 1, outputPerMTok: 2 },
      c: { inputPerMTok: 1, outputPerMTok: 3 },
      d: { inputPerMTok: 0, outputPerMTok: 0 },
    };
    expect(diffPrices(before, after)).toEqual({ added: ['d'], removed: ['b'], changed: ['c'] });
    expect(diffPrices(before, before)).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('formatUsd', () => {
  it('formats dollars for people', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(750)).toBe('$0.0008');
    expect(formatUsd(12_345_678)).toBe('$12.35');
  });
});
