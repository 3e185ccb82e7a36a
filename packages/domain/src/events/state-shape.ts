import { z } from 'zod';
import { Uuid } from '../ids';
import { RUN_STATUSES, type RunState } from './reducer';

const Count = z.number().nonnegative();

/**
 * What a RunState that comes from outside this process (a stored snapshot,
 * the server's answer to a browser) must be to be used: a state of this run
 * after this seq, with the fields every view reads. The rest is the
 * reducer's own output, as stored by Flightdeck.
 */
export function runStateShape(runId: string, seq: number) {
  return z
    .object({
      runId: z.literal(runId),
      lastSeq: z.literal(seq),
      status: z.enum(RUN_STATUSES),
      agents: z.record(
        Uuid,
        z.object({ id: Uuid, name: z.string(), status: z.string() }).passthrough(),
      ),
      agentOrder: z.array(Uuid),
      totals: z.object({
        inputTokens: Count,
        outputTokens: Count,
        costMicroUsd: Count,
        llmCalls: Count,
        toolCalls: Count,
        turns: Count,
      }),
    })
    .passthrough();
}

/** `value` as a state of `runId` after `seq`, or null when it is not one. */
export function parseRunState(value: unknown, runId: string, seq: number): RunState | null {
  return runStateShape(runId, seq).safeParse(value).success ? (value as RunState) : null;
}
