import { describe, expect, it } from 'vitest';
import { callFingerprintSource, canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for equal calls and different text for any change', () => {
    const call = {
      runId: 'r',
      agentId: 'a',
      callId: 'c1',
      tool: 'fs.write',
      args: { path: 'x', content: 'y' },
    };
    expect(callFingerprintSource(call)).toBe(
      callFingerprintSource({ ...call, args: { content: 'y', path: 'x' } }),
    );
    expect(callFingerprintSource(call)).not.toBe(
      callFingerprintSource({ ...call, args: { path: 'x', content: 'y ' } }),
    );
    expect(callFingerprintSource(call)).not.toBe(callFingerprintSource({ ...call, callId: 'c2' }));
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/not JSON/);
  });
});
