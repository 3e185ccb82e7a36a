import type { GateDecision } from './evaluate';

/** Loading the policy and evaluating it must finish within this, or the call is denied. */
export const DEFAULT_GATE_TIMEOUT_MS = 2_000;

export interface GateOptions {
  policyVersion: string;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The gate fails closed: whatever goes wrong while deciding (the policy cannot
 * be loaded, the evaluator throws, it takes longer than its time limit) the
 * answer is deny, with the reason recorded.
 */
export async function decideAtGate(
  decide: () => GateDecision | Promise<GateDecision>,
  {
    policyVersion,
    timeoutMs = DEFAULT_GATE_TIMEOUT_MS,
    now = () => performance.now(),
  }: GateOptions,
): Promise<GateDecision> {
  const deny = (reason: string): GateDecision => ({
    effect: 'deny',
    ruleId: null,
    source: 'gate',
    policyVersion,
    reason,
  });
  const started = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(decide), timedOut]);
    // A synchronous evaluator cannot be interrupted: one that overran is still refused.
    if (result === 'timeout' || now() - started > timeoutMs)
      return deny(`denied: the policy check exceeded its time limit (${timeoutMs} ms)`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return deny(`denied: the policy check failed (${message.slice(0, 200)})`);
  } finally {
    clearTimeout(timer);
  }
}
