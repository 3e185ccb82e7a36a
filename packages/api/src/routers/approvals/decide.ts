import { decideApproval } from '@flightdeck/engine';
import { z } from 'zod';
import { MAX_REASON_CHARS, RunId } from '../../schemas';
import { approverProcedure } from '../../trpc';

/** Edited arguments: a JSON object of bounded size (the tool's own schema is checked by the use case). */
const EditedArgs = z
  .record(z.string().max(200), z.unknown())
  .refine((args) => JSON.stringify(args).length <= 1_100_000, 'the edited arguments are too large');

export const DecideApprovalInput = z
  .object({
    runId: RunId,
    approvalId: z.uuid(),
    decision: z.enum(['approve', 'deny']),
    /** The fingerprint of the call as the approver saw it. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    reason: z.string().trim().max(MAX_REASON_CHARS).default(''),
    editedArgs: EditedArgs.optional(),
    allowRuleForRun: z.boolean().default(false),
  })
  .strict()
  .refine((i) => i.decision === 'approve' || i.reason.length > 0, {
    message: 'say why: the reason goes back to the agent',
    path: ['reason'],
  })
  .refine((i) => i.decision === 'approve' || (!i.editedArgs && !i.allowRuleForRun), {
    message: 'edits and run-wide allowances go only with approve',
    path: ['decision'],
  });

/** Approve (as asked, or with edited arguments) or deny with a reason; bound to the exact call shown. */
export const decide = approverProcedure
  .input(DecideApprovalInput)
  .mutation(({ ctx, input }) => decideApproval(ctx.engine, { ...input, by: ctx.viewer }));
