import { describe, expect, it } from 'vitest';
import type { GateDecision } from './evaluate';
import { decideAtGate } from './gate';

const allow: GateDecision = {
  effect: 'allow',
  ruleId: 'r1',
  source: 'manifest',
  policyVersion: 'm1.t0',
  reason: 'allow by manifest rule "r1"',
};

describe('decideAtGate', () => {
  it('returns the evaluator’s decision when it answers in time', async () => {
    await expect(decideAtGate(() => allow, { policyVersion: 'm1.t0' })).resolves.toEqual(allow);
  });

  it('denies when the evaluator throws', async () => {
    const decision = await decideAtGate(
      () => {
        throw new Error('rule table corrupt');
      },
      { policyVersion: 'm1.t0' },
    );
    expect(decision).toMatchObject({ effect: 'deny', source: 'gate', ruleId: null });
    expect(decision.reason).toMatch(/rule table corrupt/);
  });

  it('denies when an asynchronous evaluator does not answer within the limit', async () => {
    const decision = await decideAtGate(() => new Promise<GateDecision>(() => undefined), {
      policyVersion: 'm1.t0',
      timeoutMs: 20,
    });
    expect(decision).toMatchObject({ effect: 'deny', source: 'gate' });
    expect(decision.reason).toMatch(/time limit \(20 ms\)/);
  });

  it('denies when a synchronous evaluator overran, even though it answered allow', async () => {
    let clock = 0;
    const decision = await decideAtGate(
      () => {
        clock += 500;
        return allow;
      },
      { policyVersion: 'm1.t0', timeoutMs: 100, now: () => clock },
    );
    expect(decision.effect).toBe('deny');
  });
});
