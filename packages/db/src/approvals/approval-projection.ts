import type { RunEvent } from '@flightdeck/domain';
import type pg from 'pg';

/**
 * The approvals table follows the approval events, in the append's
 * transaction: the inbox across all runs never disagrees with the logs.
 */
const PROJECTED_TYPES: ReadonlySet<string> = new Set<RunEvent['type']>([
  'approval.requested',
  'approval.voted',
  'approval.expiring',
  'approval.decided',
  'agent.finished',
  'agent.failed',
  'agent.killed',
  'run.forked',
  'run.completed',
  'run.failed',
  'run.killed',
]);

/** Whether any of these events changes the approvals table. */
export const touchesApprovals = (events: readonly { type: string }[]): boolean =>
  events.some((e) => PROJECTED_TYPES.has(e.type));

export async function projectApprovals(
  client: pg.PoolClient,
  runId: string,
  events: readonly RunEvent[],
): Promise<void> {
  for (const event of events) {
    if (!PROJECTED_TYPES.has(event.type)) continue;
    switch (event.type) {
      case 'approval.requested': {
        const p = event.payload;
        await client.query(
          `INSERT INTO approvals (id, run_id, team_id, agent_id, agent_name, call_id, tool, args, fingerprint,
                                  rule_id, reason, risk, diff, requested_by, settings, requested_at, warn_at,
                                  expires_at, requested_seq)
           SELECT $1, r.id, r.team_id, a.id, a.name, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
             FROM runs r JOIN agents a ON a.run_id = r.id AND a.id = $3
            WHERE r.id = $2`,
          [
            p.approvalId,
            runId,
            event.agentId,
            p.callId,
            p.tool,
            JSON.stringify(p.args),
            p.fingerprint,
            p.ruleId,
            p.reason,
            p.risk,
            p.diff === null ? null : JSON.stringify(p.diff),
            JSON.stringify(p.requestedBy),
            JSON.stringify(p.settings),
            event.at,
            p.warnAt,
            p.expiresAt,
            event.seq,
          ],
        );
        break;
      }
      case 'approval.voted': {
        const { approvalId, ...vote } = event.payload;
        await client.query(
          `UPDATE approvals SET votes = votes || jsonb_build_array($2::jsonb) WHERE id = $1`,
          [approvalId, JSON.stringify({ ...vote, at: event.at })],
        );
        break;
      }
      case 'approval.expiring':
        await client.query(`UPDATE approvals SET warned = true WHERE id = $1`, [
          event.payload.approvalId,
        ]);
        break;
      case 'approval.decided': {
        const { approvalId, callId: _callId, outcome, ...decision } = event.payload;
        await client.query(
          `UPDATE approvals SET status = $2, decided_at = $3, decision = $4 WHERE id = $1`,
          [approvalId, outcome, event.at, JSON.stringify({ ...decision, seq: event.seq })],
        );
        break;
      }
      case 'agent.finished':
      case 'agent.failed':
      case 'agent.killed':
        await client.query(
          `UPDATE approvals SET status = 'cancelled', decided_at = $3
            WHERE run_id = $1 AND agent_id = $2 AND status = 'pending'`,
          [runId, event.agentId, event.at],
        );
        break;
      case 'run.forked':
      case 'run.completed':
      case 'run.failed':
      case 'run.killed':
        await client.query(
          `UPDATE approvals SET status = 'cancelled', decided_at = $2
            WHERE run_id = $1 AND status = 'pending'`,
          [runId, event.at],
        );
        break;
      default:
        break;
    }
  }
}
