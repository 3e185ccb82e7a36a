import type { ApprovalSettings } from './rules';
import type { GateDecision } from './evaluate';

/** The rule a fork's approvals name: an approver may allow it for the rest of the fork. */
export const FORK_SIDE_EFFECTS_RULE = 'fork-side-effects';

/**
 * In a forked run, a tool call with side effects (not safe to repeat) needs a
 * human's approval even where the policy allows it: the origin may already
 * have had that effect once. Safe calls, denials, asks and calls an approval
 * already allowed are unchanged.
 */
export function gateInFork(
  decision: GateDecision,
  call: {
    forked: boolean;
    /** The tool with these arguments is safe to run again. */
    idempotent: boolean;
    allowedRules: readonly string[];
    approvals: ApprovalSettings;
  },
): GateDecision {
  if (
    !call.forked ||
    call.idempotent ||
    decision.effect !== 'allow' ||
    decision.source === 'approval' ||
    call.allowedRules.includes(FORK_SIDE_EFFECTS_RULE)
  )
    return decision;
  return {
    effect: 'ask',
    ruleId: FORK_SIDE_EFFECTS_RULE,
    source: 'fork',
    policyVersion: decision.policyVersion,
    reason: `ask: this run is a fork, and the call has side effects (${decision.reason})`,
    risk: 'This run was forked from another: the origin may already have done this once. Approve only if doing it again is what you want.',
    approval: call.approvals,
  };
}
