import { getApproval } from '@flightdeck/db';
import type { ApprovalNotificationKind } from '@flightdeck/domain';
import { createLogger } from '@flightdeck/telemetry';
import type { Engine } from '../../engine';
import { notifyApproval } from '../../notifications/notify';

const log = createLogger('engine.approvals');

/**
 * Tell the outgoing webhooks about an approval, from its committed record.
 * Called after the change is recorded; a notification that cannot be sent is
 * logged, never undoes or blocks the act itself.
 */
export async function announceApproval(
  engine: Engine,
  approvalId: string,
  kind: ApprovalNotificationKind,
): Promise<void> {
  if (engine.silent) return;
  try {
    const a = await getApproval(engine.db, approvalId);
    const decided = a.decision && (kind === 'approval.decided' || kind === 'approval.expired');
    await notifyApproval(engine, {
      kind,
      approval: {
        id: a.id,
        runId: a.runId,
        agentId: a.agentId,
        agentName: a.agentName,
        teamId: a.teamId,
        teamName: a.teamName,
        tool: a.tool,
        args: a.args,
        ruleId: a.ruleId,
        risk: a.risk,
        expiresAt: a.expiresAt,
        url: `/runs/${a.runId}?tab=approvals`,
      },
      ...(decided && a.decision && a.status !== 'pending' && a.status !== 'cancelled'
        ? {
            decision: {
              outcome: a.status,
              by: a.decision.by
                ? { kind: a.decision.by.kind as 'user' | 'system' | 'token', id: a.decision.by.id }
                : null,
              reason: a.decision.reason,
              edited: a.decision.edited,
            },
          }
        : {}),
      at: new Date().toISOString(),
    });
  } catch (error) {
    log.warn('approval notification failed', { approvalId, kind, error });
  }
}
