import { initTRPC, TRPCError } from '@trpc/server';
import { isDatabaseUnavailableError } from '@flightdeck/db';
import { can, type Permission } from '@flightdeck/domain';
import { hitRateLimit, type RateLimit } from '@flightdeck/engine';
import { assertInputScope } from './access';
import type { Context } from './context';
import { asDomainError, errorData, safeMessage, toTRPCError } from './errors';

const t = initTRPC.context<Context>().create({
  // Stacks never leave the server, in any environment.
  isDev: false,
  errorFormatter({ shape, error }) {
    return {
      code: shape.code,
      message: safeMessage(error),
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...errorData(error),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure: domain errors thrown by a use case become tRPC errors here,
 * and so does the database being unavailable (503, not 500).
 */
const baseProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const domain = asDomainError(result.error.cause);
    if (domain) throw toTRPCError(domain);
    if (
      result.error.code === 'INTERNAL_SERVER_ERROR' &&
      isDatabaseUnavailableError(result.error.cause)
    )
      throw toTRPCError(result.error.cause);
  }
  return result;
});

function requirePermission(permission: Permission) {
  return baseProcedure.use(async ({ ctx, next, getRawInput }) => {
    const viewer = ctx.viewer;
    if (!viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    if (!can(viewer, permission)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `Your role does not allow ${permission}` });
    }
    // Ids of teams the caller cannot access are refused here, for every procedure.
    await assertInputScope(ctx.engine, viewer, await getRawInput());
    return next({ ctx: { ...ctx, viewer } });
  });
}

/** Reads: anyone who may see the fleet. */
export const viewerProcedure = requirePermission('fleet.read');
/** Commands that change what runs: spawn, kill, pause, resume, steer, decide interrupted calls. */
export const operatorProcedure = requirePermission('runs.control');
/** Approval decisions a person (or token) may make per minute: plenty for a human, a wall for a runaway script. */
export const APPROVAL_DECISION_LIMIT: RateLimit = {
  name: 'approvals:decide',
  limit: 60,
  windowMs: 60_000,
};

/** Approval decisions: mutations are rate-limited per principal (Redis, shared by every web process). */
export const approverProcedure = requirePermission('approvals.decide').use(
  async ({ ctx, type, next }) => {
    if (type === 'mutation') {
      const hit = await hitRateLimit(
        ctx.engine,
        APPROVAL_DECISION_LIMIT,
        `${ctx.viewer.actor.kind}:${ctx.viewer.actor.id}`,
      );
      if (!hit.allowed)
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `Too many approval decisions: wait ${Math.ceil(hit.retryAfterMs / 1000)} s`,
        });
    }
    return next();
  },
);
/** Teams, policies, budgets and breakers. */
export const governanceProcedure = requirePermission('governance.write');
/** Users, tokens, the audit trail. */
export const adminProcedure = requirePermission('accounts.manage');
/** Process health, the session, setup and invitation pages: no viewer needed. */
export const publicProcedure = baseProcedure;
