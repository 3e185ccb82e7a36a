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
  'prices.saved',
  'account.signed_in',
  'account.sign_in_failed',
  'account.signed_out',
  'user.created',
  'user.access_changed',
  'user.deactivated',
  'user.reactivated',
  'user.removed',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'token.created',
  'token.revoked',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** The actions by kind, as the audit page groups and filters them. */
export const AUDIT_ACTION_KINDS = {
  runs: 'Runs and agents',
  governance: 'Teams, policies, budgets and prices',
  'sign-ins': 'Sign-ins and sign-outs',
  accounts: 'Users, invitations and API tokens',
} as const;
export type AuditActionKind = keyof typeof AUDIT_ACTION_KINDS;
export const AuditActionKind = z.enum(
  Object.keys(AUDIT_ACTION_KINDS) as [AuditActionKind, ...AuditActionKind[]],
);

export function auditActionKind(action: AuditAction): AuditActionKind {
  if (action.startsWith('account.')) return 'sign-ins';
  if (/^(user|invitation|token)\./.test(action)) return 'accounts';
  if (/^(run|agent|tool|approval)\./.test(action)) return 'runs';
  return 'governance';
}

/** The actions of one kind, in list order. */
export function auditActionsOf(kind: AuditActionKind): AuditAction[] {
  return AUDIT_ACTIONS.filter((action) => auditActionKind(action) === kind);
}

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

/** What the act was about: any of a team, run, agent, approval, user, invitation or token. */
export const AuditTarget = z
  .object({
    teamId: Id.optional(),
    runId: Id.optional(),
    agentId: Id.optional(),
    approvalId: Id.optional(),
    userId: Id.optional(),
    invitationId: Id.optional(),
    tokenId: Id.optional(),
  })
  .strict();
export type AuditTarget = z.infer<typeof AuditTarget>;

/**
 * Who acted: a run event's actor, or `anonymous` for an act by nobody known
 * yet (a failed sign-in; its id is the client's address).
 */
export const AuditActor = z.union([
  Actor,
  z.object({ kind: z.literal('anonymous'), id: z.string().max(200) }),
]);
export type AuditActor = z.infer<typeof AuditActor>;

/** What a caller gives to record an act; the store adds seq, at and the hashes. */
export const AuditEntryInput = z
  .object({
    actor: AuditActor,
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
