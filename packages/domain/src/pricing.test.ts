import { describe, expect, it } from 'vitest';
import { costMicroUsd, formatUsd } from './pricing';

describe('pricing', () => {
  it('prices a call in whole micro-dollars, rounding up', () => {
    // gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    expect(costMicroUsd('gpt-4o-mini', { inputTokens: 1000, outputTokens: 1000 })).toBe(750);
    expect(costMicroUsd('gpt-4o-mini', { inputTokens: 1, outputTokens: 0 })).toBe(1);
    expect(costMicroUsd('unknown-model', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
  });

  it('formats dollars for people', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(750)).toBe('$0.0008');
    expect(formatUsd(12_345_678)).toBe('$12.35');
  });
});
