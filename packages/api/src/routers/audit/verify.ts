import { verifyAudit } from '@flightdeck/engine';
import { adminProcedure } from '../../trpc';
import { toAuditVerificationDto } from './dto';

/** Verifies the whole chain against its checkpoints and names the first bad entry. Admins only. */
export const verify = adminProcedure.mutation(async ({ ctx }) =>
  toAuditVerificationDto(await verifyAudit(ctx.engine)),
);
