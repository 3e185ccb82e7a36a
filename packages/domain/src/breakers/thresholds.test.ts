import { describe, expect, it } from 'vitest';
import { parseManifest } from '../manifest/schema';
import {
  BreakerOverrides,
  BreakerThresholds,
  DEFAULT_BREAKER_THRESHOLDS,
  mergeThresholds,
} from './thresholds';

const MANIFEST = `
name: t
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini }
`;

describe('breaker thresholds', () => {
  it('has valid defaults for every breaker', () => {
    expect(BreakerThresholds.parse(DEFAULT_BREAKER_THRESHOLDS)).toEqual(DEFAULT_BREAKER_THRESHOLDS);
    for (const breaker of Object.values(DEFAULT_BREAKER_THRESHOLDS))
      expect(breaker.enabled).toBe(true);
  });

  it('lays overrides over the defaults field by field, later layers winning', () => {
    const merged = mergeThresholds(
      DEFAULT_BREAKER_THRESHOLDS,
      { cycle: { repeats: 5 }, noProgress: { enabled: false } },
      null,
      { cycle: { maxPeriod: 2 }, costVelocity: { maxUsdPerMinute: 0.5 } },
    );
    expect(merged.cycle).toEqual({ enabled: true, repeats: 5, maxPeriod: 2 });
    expect(merged.noProgress).toEqual({ enabled: false, turns: 20 });
    expect(merged.costVelocity).toEqual({ enabled: true, maxUsdPerMinute: 0.5, windowSeconds: 60 });
    expect(merged.bounce).toEqual(DEFAULT_BREAKER_THRESHOLDS.bounce);
    // The defaults are not touched.
    expect(DEFAULT_BREAKER_THRESHOLDS.cycle.repeats).toBe(3);
  });

  it('refuses unknown breakers, unknown fields and out-of-range values', () => {
    expect(BreakerOverrides.safeParse({ loops: { max: 3 } }).success).toBe(false);
    expect(BreakerOverrides.safeParse({ cycle: { period: 3 } }).success).toBe(false);
    expect(BreakerOverrides.safeParse({ cycle: { repeats: 1 } }).success).toBe(false);
    expect(BreakerOverrides.safeParse({ repeatedCall: { window: 1000 } }).success).toBe(false);
    expect(BreakerOverrides.safeParse({ costVelocity: { maxUsdPerMinute: 0 } }).success).toBe(
      false,
    );
    expect(BreakerOverrides.safeParse({ consecutiveErrors: { max: 2.5 } }).success).toBe(false);
  });

  it('is a manifest section: empty when left out, validated with paths when written', () => {
    const plain = parseManifest(MANIFEST);
    expect(plain.ok && plain.manifest.breakers).toEqual({});
    const set = parseManifest(
      `${MANIFEST}breakers:\n  consecutiveErrors: { max: 3 }\n  provider: { cooldownSeconds: 5 }\n`,
    );
    expect(set.ok && set.manifest.breakers).toEqual({
      consecutiveErrors: { max: 3 },
      provider: { cooldownSeconds: 5 },
    });
    const bad = parseManifest(`${MANIFEST}breakers:\n  cycle: { repeats: 0 }\n`);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues[0]!.path).toBe('breakers.cycle.repeats');
  });

  it('accepts a simulated loop in the manifest, naming declared agents only', () => {
    const loop = parseManifest(
      `${MANIFEST}simulation:\n  loop: { agents: [lead], calls: [{ tool: fs.list, args: { path: . } }], times: 4 }\n`,
    );
    expect(loop.ok && loop.manifest.simulation.loop).toEqual({
      agents: ['lead'],
      calls: [{ tool: 'fs.list', args: { path: '.' } }],
      times: 4,
    });
    const unknown = parseManifest(
      `${MANIFEST}simulation:\n  loop: { agents: [ghost], calls: [{ tool: fs.list }] }\n`,
    );
    expect(!unknown.ok && unknown.issues[0]).toEqual({
      path: 'simulation.loop.agents.0',
      message: 'names no agent: "ghost"',
    });
  });
});
