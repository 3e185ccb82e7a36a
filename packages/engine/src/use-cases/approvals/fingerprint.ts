import { createHash } from 'node:crypto';
import { callFingerprintSource } from '@flightdeck/domain';

/** sha-256 over the canonical form of the exact call: any change to it changes the fingerprint. */
export function fingerprintCall(call: {
  runId: string;
  agentId: string;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
}): string {
  return createHash('sha256').update(callFingerprintSource(call)).digest('hex');
}
