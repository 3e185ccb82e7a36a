import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { appRouter, type AppRouter } from './routers/_app';
import { createCallerFactory } from './trpc';

export { appRouter, type AppRouter };
export {
  contextFor,
  createContext,
  LOCAL_OPERATOR,
  type Authenticate,
  type Context,
  type CreateContextOptions,
} from './context';
export type { ErrorIssue, FlightdeckErrorData } from './errors';
export type { RunDto } from './dto';
export type { AuditEntryDto, AuditVerificationDto } from './routers/audit/dto';
export type { ModelPriceDto, PriceTableDto } from './routers/prices/dto';
export type { TeamAgentDto } from './routers/teams/get';
export type { WebhookDeliveryDto, WebhookDto } from './routers/webhooks/dto';

/** Call procedures in-process (tests, server components): same validation and errors as HTTP. */
export const createCaller = createCallerFactory(appRouter);

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { ACCESS_MATRIX } from './access-matrix';
