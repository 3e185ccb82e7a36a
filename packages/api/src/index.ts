import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { appRouter, type AppRouter } from './routers/_app';
import { createCallerFactory } from './trpc';

export { appRouter, type AppRouter };
export {
  createContext,
  LOCAL_OPERATOR,
  type Context,
  type CreateContextOptions,
  type Role,
  type Viewer,
} from './context';
export type { ErrorIssue, FlightdeckErrorData } from './errors';
export type { RunDto } from './dto';
export type { TeamAgentDto } from './routers/teams/get';

/** Call procedures in-process (tests, server components): same validation and errors as HTTP. */
export const createCaller = createCallerFactory(appRouter);

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
