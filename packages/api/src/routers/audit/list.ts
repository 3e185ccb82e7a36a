import { AuditAction, AuditActionKind } from '@flightdeck/domain';
import { listAudit } from '@flightdeck/engine';
import { z } from 'zod';
import { adminProcedure } from '../../trpc';
import { toAuditEntryDto } from './dto';

export const MAX_AUDIT_PAGE = 200;

export const ListAuditInput = z
  .object({
    action: AuditAction.optional(),
    /** Entries of one kind of action: runs, governance, sign-ins, accounts. */
    kind: AuditActionKind.optional(),
    actorId: z.string().trim().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).default(50),
    /** Keyset cursor: entries strictly before this seq (newest first). */
    beforeSeq: z.number().int().min(1).optional(),
  })
  .strict();

/** The audit trail, newest first, optionally of one action, one kind of action or one actor. Admins only. */
export const list = adminProcedure.input(ListAuditInput).query(async ({ ctx, input }) => {
  const page = await listAudit(ctx.engine, input);
  return { entries: page.entries.map(toAuditEntryDto), nextBeforeSeq: page.nextBeforeSeq };
});
