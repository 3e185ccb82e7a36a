import { initialRunState, type RunState } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { RunStateCache } from './run-state-cache';

const at = (lastSeq: number): RunState => ({ ...initialRunState(), lastSeq });

describe('RunStateCache', () => {
  it('keeps the latest state of a run, never an older one', () => {
    const cache = new RunStateCache(10);
    cache.remember('a', at(5));
    cache.remember('a', at(3));
    expect(cache.get('a')?.lastSeq).toBe(5);
    cache.remember('a', at(9));
    expect(cache.get('a')?.lastSeq).toBe(9);
  });

  it('drops the least recently used run past its capacity', () => {
    const cache = new RunStateCache(2);
    cache.remember('a', at(1));
    cache.remember('b', at(1));
    cache.get('a');
    cache.remember('c', at(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });
});
