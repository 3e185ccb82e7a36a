import { hash } from 'node:crypto';
import { type AuditEntryFields, canonicalAuditEntry } from '@flightdeck/domain';

/** An entry's hash: sha256, hex, over the previous entry's hash then the entry's canonical form. */
export function auditHash(prevHash: string, entry: AuditEntryFields): string {
  // One-shot crypto.hash: several times faster than createHash for inputs this small.
  return hash('sha256', prevHash + canonicalAuditEntry(entry), 'hex');
}
