import { describe, expect, it } from 'vitest';
import { MessageBudget } from './access';

describe('a socket message budget', () => {
  it('refuses past the limit, cuts far past it, and resets each window', () => {
    let now = 0;
    const budget = new MessageBudget(3, 1000, () => now);
    expect([1, 2, 3].map(() => budget.hit(5))).toEqual(['ok', 'ok', 'ok']);
    expect(budget.hit(5)).toBe('refuse');
    expect(budget.hit(5)).toBe('refuse');
    expect(budget.hit(5)).toBe('cut');
    now = 1000;
    expect(budget.hit(5)).toBe('ok');
  });
});
