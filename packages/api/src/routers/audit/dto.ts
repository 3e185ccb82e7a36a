import type { AuditVerification } from '@flightdeck/db';
import type { AuditEntry, JsonValue } from '@flightdeck/domain';

/** An audit entry as the audit page shows it. */
export interface AuditEntryDto {
  seq: number;
  at: string;
  actor: { kind: string; id: string };
  action: string;
  /** Ids the act was about, by kind (teamId, runId, agentId …). */
  target: Record<string, string>;
  detail: Record<string, JsonValue>;
  hash: string;
}

export function toAuditEntryDto(entry: AuditEntry): AuditEntryDto {
  return {
    seq: entry.seq,
    at: entry.at,
    actor: { kind: entry.actor.kind, id: entry.actor.id },
    action: entry.action,
    target: Object.fromEntries(
      Object.entries(entry.target).map(([kind, id]) => [
        kind,
        typeof id === 'string' ? id : JSON.stringify(id),
      ]),
    ),
    detail: entry.detail,
    hash: entry.hash,
  };
}

export type AuditVerificationDto =
  | { ok: true; entries: number; headSeq: number; checkpointsChecked: number; durationMs: number }
  | {
      ok: false;
      entries: number;
      firstBad: { seq: number; reason: string; message: string };
      checkpointsChecked: number;
      durationMs: number;
    };

export function toAuditVerificationDto(result: AuditVerification): AuditVerificationDto {
  return result.ok
    ? {
        ok: true,
        entries: result.entries,
        headSeq: result.head.seq,
        checkpointsChecked: result.checkpointsChecked,
        durationMs: result.durationMs,
      }
    : {
        ok: false,
        entries: result.entries,
        firstBad: { ...result.firstBad },
        checkpointsChecked: result.checkpointsChecked,
        durationMs: result.durationMs,
      };
}
