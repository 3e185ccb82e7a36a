import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json';
import {
  AUDIT_ACTION_KINDS,
  AUDIT_ACTIONS,
  type AuditActionKind,
  type AuditEntryFields,
  AuditEntryInput,
  auditActionKind,
  auditActionsOf,
  canonicalAuditEntry,
} from './entry';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same for the same value whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: [true, null] })).toBe(canonicalJson({ y: [true, null], x: 1 }));
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'line\nbreak ✓' })).toBe('{"k\\"":"line\\nbreak ✓"}');
  });

  it('leaves out undefined members and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('canonicalAuditEntry', () => {
  const entry = {
    seq: 7,
    at: '2026-11-22T10:00:00.123Z',
    actor: { kind: 'user', id: 'ada' },
    action: 'run.killed',
    target: { runId: 'r1' },
    detail: { reason: 'runaway' },
  };

  it('covers every field, seq and at included', () => {
    const text = canonicalAuditEntry(entry);
    expect(text).toBe(
      '{"action":"run.killed","actor":{"id":"ada","kind":"user"},"at":"2026-11-22T10:00:00.123Z",' +
        '"detail":{"reason":"runaway"},"seq":7,"target":{"runId":"r1"},"v":1}',
    );
    expect(canonicalAuditEntry({ ...entry, seq: 8 })).not.toBe(text);
    expect(canonicalAuditEntry({ ...entry, at: '2026-11-22T10:00:00.124Z' })).not.toBe(text);
    expect(canonicalAuditEntry({ ...entry, detail: { reason: 'Runaway' } })).not.toBe(text);
  });
});

describe('AuditEntryInput', () => {
  it('accepts a known action and defaults target and detail', () => {
    expect(
      AuditEntryInput.parse({ actor: { kind: 'user', id: 'ada' }, action: 'team.saved' }),
    ).toEqual({
      actor: { kind: 'user', id: 'ada' },
      action: 'team.saved',
      target: {},
      detail: {},
    });
  });

  it('refuses an unknown action, an unknown target key and non-JSON detail', () => {
    const actor = { kind: 'user', id: 'ada' };
    expect(AuditEntryInput.safeParse({ actor, action: 'run.exploded' }).success).toBe(false);
    expect(
      AuditEntryInput.safeParse({ actor, action: 'run.killed', target: { shipId: 'x' } }).success,
    ).toBe(false);
    expect(
      AuditEntryInput.safeParse({ actor, action: 'run.killed', detail: { n: Infinity } }).success,
    ).toBe(false);
  });
});

describe('canonicalAuditEntry, written out by hand', () => {
  it('is exactly canonicalJson of the entry with v: 1', () => {
    const entries: AuditEntryFields[] = [
      {
        seq: 1,
        at: '2026-11-22T10:00:00.000Z',
        actor: { kind: 'token', id: 'tok "quoted" ✓' },
        action: 'token.revoked',
        target: { tokenId: 't1', userId: 'u1' },
        detail: {},
      },
      {
        seq: 123456789,
        at: '2026-11-22T10:00:00.999Z',
        actor: { kind: 'system', id: '' },
        action: 'breaker.reset',
        target: {},
        detail: { z: [1.5, -0, { b: null, a: 'x' }], a: { nested: { deeper: true } } },
      },
    ];
    for (const entry of entries) {
      expect(canonicalAuditEntry(entry)).toBe(canonicalJson({ v: 1, ...entry }));
    }
  });
});

describe('audit action kinds', () => {
  it('put every action in exactly one kind', () => {
    const kinds = Object.keys(AUDIT_ACTION_KINDS) as AuditActionKind[];
    const all = kinds.flatMap(auditActionsOf);
    expect([...all].sort()).toEqual([...AUDIT_ACTIONS].sort());
    for (const kind of kinds) expect(auditActionsOf(kind).length).toBeGreaterThan(0);
  });

  it('keep sign-ins apart from account changes', () => {
    expect(auditActionsOf('sign-ins')).toEqual([
      'account.signed_in',
      'account.sign_in_failed',
      'account.signed_out',
    ]);
    expect(auditActionKind('token.created')).toBe('accounts');
    expect(auditActionKind('user.deactivated')).toBe('accounts');
    expect(auditActionKind('invitation.accepted')).toBe('accounts');
    expect(auditActionKind('approval.decided')).toBe('runs');
    expect(auditActionKind('prices.saved')).toBe('governance');
  });

  it('accept an anonymous actor (a failed sign-in) and no other unknown kind', () => {
    const failed = {
      actor: { kind: 'anonymous', id: '203.0.113.7' },
      action: 'account.sign_in_failed',
      detail: { email: 'eve@example.test', reason: 'invalid_email_or_password' },
    } as const;
    expect(AuditEntryInput.parse(failed).actor).toEqual(failed.actor);
    expect(
      AuditEntryInput.safeParse({ ...failed, actor: { kind: 'robot', id: 'x' } }).success,
    ).toBe(false);
  });
});
