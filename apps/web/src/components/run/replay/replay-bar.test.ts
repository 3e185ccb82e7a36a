import type { RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { stepCost } from './replay-bar';

const at = (ms: number) => ({ at: new Date(Date.UTC(2026, 0, 1) + ms).toISOString() }) as RunEvent;

describe('stepCost', () => {
  const events = [at(0), at(300), at(300), at(60_000)];

  it('plays the recorded gap between two events', () => {
    expect(stepCost(events, 1)).toBe(300);
  });

  it('never less than a few milliseconds (a burst still plays visibly), idle time compressed', () => {
    expect(stepCost(events, 2)).toBe(8);
    expect(stepCost(events, 3)).toBe(1_500);
  });

  it('costs the minimum at the ends', () => {
    expect(stepCost(events, 0)).toBe(8);
    expect(stepCost(events, 4)).toBe(8);
  });
});
