import { initTRPC, TRPCError } from '@trpc/server';
import type { Context, Role } from './context';
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

/** Every procedure: domain errors thrown by a use case become tRPC errors here. */
const baseProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const domain = asDomainError(result.error.cause);
    if (domain) throw toTRPCError(domain);
  }
  return result;
});

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

function requireRole(minimum: Role) {
  return baseProcedure.use(({ ctx, next }) => {
    const viewer = ctx.viewer;
    if (!viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    if (RANK[viewer.role] < RANK[minimum]) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${minimum} role` });
    }
    return next({ ctx: { ...ctx, viewer } });
  });
}

/** Reads: anyone who may see the fleet. */
export const viewerProcedure = requireRole('viewer');
/** Commands that change what runs: spawn, kill, pause, resume, steer, decide; save a team. */
export const operatorProcedure = requireRole('operator');
/** Process health: no viewer needed (load balancers, the top bar). */
export const publicProcedure = baseProcedure;
