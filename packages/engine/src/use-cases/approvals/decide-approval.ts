import {
  type Actor,
  builtInToolArgs,
  can,
  canAccessTeam,
  describeIssues,
  DomainError,
  type Principal,
  type RunState,
} from '@flightdeck/domain';
import type { Engine } from '../../engine';
import { recordEvents } from '../../record-events';
import { controlDraft } from '../control/run-control-context';
import { loadRunState } from '../load-run-state';
import { announceApproval } from './announce-approval';
import { continueAfterDecision } from './approval-timers';
import { untilFenceHolds } from './fence-retries';
import { fingerprintCall } from './fingerprint';

export interface ApprovalDecisionInput {
  runId: string;
  approvalId: string;
  by: Principal;
  decision: 'approve' | 'deny';
  /** The fingerprint of the call the approver looked at: a changed call needs a new look. */
  fingerprint: string;
  reason?: string;
  /** Approve with these arguments instead (checked against the tool's schema). */
  editedArgs?: Record<string, unknown>;
  /** Allow the rule that asked for the rest of the run. */
  allowRuleForRun?: boolean;
}

export interface ApprovalDecisionResult {
  /** `voted`: recorded, more approvers are needed. */
  outcome: 'approved' | 'denied' | 'voted';
  votes: number;
  quorum: number;
}

const sameActor = (a: Actor, b: Actor) => a.kind === b.kind && a.id === b.id;

/**
 * Decide an approval. Exactly once under any concurrency: the append is
 * fenced on the agent's last event, so of racing decisions one is recorded
 * and the rest find it decided.
 */
export async function decideApproval(
  engine: Engine,
  input: ApprovalDecisionInput,
): Promise<ApprovalDecisionResult> {
  return untilFenceHolds(async () => {
    const state = await loadRunState(engine, input.runId);
    const result = await decideOnce(engine, state, input);
    if (result.outcome !== 'voted') {
      await continueAfterDecision(engine, state, state.approvals[input.approvalId]!.agentId);
      await announceApproval(engine, input.approvalId, 'approval.decided');
    }
    return result;
  });
}

async function decideOnce(
  engine: Engine,
  state: RunState,
  input: ApprovalDecisionInput,
): Promise<ApprovalDecisionResult> {
  const approval = state.approvals[input.approvalId];
  if (!approval || !state.runId)
    throw new DomainError('NOT_FOUND', `No approval ${input.approvalId} in run ${input.runId}.`);
  const { settings } = approval;
  const by = input.by;
  if (
    !can(by, 'approvals.decide') ||
    !by.roles.some((r) => (settings.approverRoles as string[]).includes(r))
  )
    throw new DomainError(
      'FORBIDDEN',
      `Deciding this approval needs one of the roles ${settings.approverRoles.join(', ')}.`,
    );
  if (settings.teamScoped && state.teamId && !canAccessTeam(by, state.teamId))
    throw new DomainError('FORBIDDEN', 'Only members of this run’s team may decide its approvals.');
  if (sameActor(by.actor, approval.requestedBy))
    throw new DomainError(
      'FORBIDDEN',
      'You started this run: its agents act for you, so someone else must decide their approvals.',
    );
  if (approval.status !== 'pending') {
    const who = approval.decision?.by ? ` by ${approval.decision.by.id}` : '';
    throw new DomainError('CONFLICT', `This approval is already ${approval.status}${who}.`);
  }
  if (input.fingerprint !== approval.fingerprint)
    throw new DomainError(
      'CONFLICT',
      'The call changed since you looked at it: a decision binds only the exact call it was shown.',
    );
  const agent = state.agents[approval.agentId];
  if (!agent) throw new DomainError('NOT_FOUND', `No agent ${approval.agentId}.`);
  const fence = { agentId: agent.id, lastSeq: agent.lastSeq };
  const reason = (input.reason ?? '').trim();
  // Every decision (and vote) is a governance act: its audit entry is written with its events.
  const audited = (outcome: string, edited = false) => ({
    actor: by.actor,
    action: 'approval.decided' as const,
    target: { runId: input.runId, agentId: agent.id, approvalId: approval.id },
    detail: { outcome, tool: approval.tool, ruleId: approval.ruleId, reason, edited },
  });

  if (input.decision === 'deny') {
    if (!reason)
      throw new DomainError(
        'INVALID_INPUT',
        'Say why you deny it: the reason goes back to the agent.',
      );
    await recordEvents(
      engine,
      input.runId,
      [
        controlDraft(
          state,
          'approval.decided',
          {
            approvalId: approval.id,
            callId: approval.callId,
            outcome: 'denied',
            by: by.actor,
            reason,
            applied: 'deny',
            args: approval.args,
            fingerprint: approval.fingerprint,
            edited: false,
            allowRuleForRun: false,
          },
          agent,
        ),
      ],
      { fence, audit: audited('denied') },
    );
    return { outcome: 'denied', votes: 0, quorum: settings.quorum };
  }

  if (approval.votes.some((v) => sameActor(v.by, by.actor)))
    throw new DomainError(
      'CONFLICT',
      'You have already approved this; another approver is needed.',
    );
  const args = input.editedArgs ? validateEdit(approval.tool, input.editedArgs) : approval.args;
  const edited = input.editedArgs !== undefined;
  const fingerprint = edited
    ? fingerprintCall({
        runId: input.runId,
        agentId: agent.id,
        callId: approval.callId,
        tool: approval.tool,
        args,
      })
    : approval.fingerprint;
  // Votes count only for the same exact call: an edit needs the quorum again.
  const votes = approval.votes.filter((v) => v.fingerprint === fingerprint).length + 1;
  if (votes < settings.quorum) {
    await recordEvents(
      engine,
      input.runId,
      [
        controlDraft(
          state,
          'approval.voted',
          { approvalId: approval.id, by: by.actor, args, fingerprint, reason },
          agent,
        ),
      ],
      { fence, audit: audited('voted', edited) },
    );
    return { outcome: 'voted', votes, quorum: settings.quorum };
  }
  await recordEvents(
    engine,
    input.runId,
    [
      controlDraft(
        state,
        'approval.decided',
        {
          approvalId: approval.id,
          callId: approval.callId,
          outcome: 'approved',
          by: by.actor,
          reason,
          applied: 'allow',
          args,
          fingerprint,
          edited,
          allowRuleForRun: input.allowRuleForRun === true && approval.ruleId !== null,
        },
        agent,
      ),
    ],
    { fence, audit: audited('approved', edited) },
  );
  return { outcome: 'approved', votes, quorum: settings.quorum };
}

function validateEdit(tool: string, args: Record<string, unknown>): Record<string, unknown> {
  const schema = builtInToolArgs(tool);
  if (!schema) return args;
  const parsed = schema.safeParse(args);
  if (!parsed.success)
    throw new DomainError(
      'INVALID_INPUT',
      `The edited arguments do not fit ${tool}: ${describeIssues(parsed.error.issues, '(arguments)')}`,
    );
  return parsed.data;
}
