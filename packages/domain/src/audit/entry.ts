import { canonicalJson } from '../canonical-json';
import { z } from 'zod';
import { Actor } from '../events/schema';

/**
 * The audit trail: one entry per governance act, chained by hash. This file
 * holds the pure part — what an entry is and its canonical form. Hashing
 * (sha256) and storage live in the db package.
 *
 *   hash(entry) = sha256_hex(prevHash || canonicalAuditEntry(entry))
 *
 * with prevHash of the first entry = AUDIT_GENESIS_HASH.
 */

/** Every governance act the trail records: dotted, past tense, like event types. */
export const AUDIT_ACTIONS = [
  'run.spawned',
  'run.paused',
  'run.resumed',
  'run.killed',
  'agent.paused',
  'agent.resumed',
  'agent.killed',
  'agent.steered',
  'tool.call.resolved',
  'workspace.restored',
  'run.forked',
  'run.imported',
  'approval.decided',
  'team.saved',
  'policy.changed',
  'budget.changed',
  'budget.reset',
  'breaker.changed',
  'breaker.reset',
  'user.signed_in',
  'user.signed_out',
  'user.created',
  'user.changed',
  'user.removed',
  'token.created',
  'token.revoked',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** A JSON value as PostgreSQL's jsonb stores it and JSON.parse gives it back. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().finite(),
    z.boolean(),
    z.null(),
    z.array(JsonValue),
    z.record(z.string(), JsonValue),
  ]),
);

const Id = z.string().min(1).max(200);

/** What the act was about: any of a team, run, agent, approval, user or token. */
export const AuditTarget = z
  .object({
    teamId: Id.optional(),
    runId: Id.optional(),
    agentId: Id.optional(),
    approvalId: Id.optional(),
    userId: Id.optional(),
    tokenId: Id.optional(),
  })
  .strict();
export type AuditTarget = z.infer<typeof AuditTarget>;

/** What a caller gives to record an act; the store adds seq, at and the hashes. */
export const AuditEntryInput = z
  .object({
    actor: Actor,
    action: AuditAction,
    target: AuditTarget.default({}),
    /** What a reader needs to understand the act (a reason, a mode, a version). Small. */
    detail: z.record(z.string(), JsonValue).default({}),
  })
  .strict();
export type AuditEntryInput = z.input<typeof AuditEntryInput>;
export type ParsedAuditEntryInput = z.output<typeof AuditEntryInput>;

/** The fields an entry's hash covers. */
export interface AuditEntryFields {
  seq: number;
  /** ISO 8601, UTC, millisecond precision (what timestamptz(3) stores). */
  at: string;
  actor: { kind: string; id: string };
  action: string;
  target: Record<string, JsonValue>;
  detail: Record<string, JsonValue>;
}

/** A stored entry: its fields and its place in the chain. */
export interface AuditEntry extends AuditEntryFields {
  prevHash: string;
  hash: string;
}

/** The previous hash of entry 1. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical form of an entry, the text its hash covers (after the previous
 * hash). Versioned so the form can change without breaking old chains.
 */
export function canonicalAuditEntry(entry: AuditEntryFields): string {
  // canonicalJson({ v: 1, seq, at, actor: { kind, id }, action, target, detail }),
  // written out with its keys already in order.
  return (
    `{"action":${JSON.stringify(entry.action)}` +
    `,"actor":{"id":${JSON.stringify(entry.actor.id)},"kind":${JSON.stringify(entry.actor.kind)}}` +
    `,"at":${JSON.stringify(entry.at)}` +
    `,"detail":${canonicalJson(entry.detail)}` +
    `,"seq":${canonicalJson(entry.seq)}` +
    `,"target":${canonicalJson(entry.target)}` +
    ',"v":1}'
  );
}
