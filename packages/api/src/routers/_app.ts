import { router } from '../trpc';
import { accountRouter } from './account';
import { agentsRouter } from './agents';
import { approvalsRouter } from './approvals';
import { auditRouter } from './audit';
import { breakersRouter } from './breakers';
import { budgetsRouter } from './budgets';
import { costsRouter } from './costs';
import { health } from './health';
import { policiesRouter } from './policies';
import { pricesRouter } from './prices';
import { runsRouter } from './runs';
import { teamsRouter } from './teams';
import { tokensRouter } from './tokens';
import { toolCallsRouter } from './tool-calls';
import { webhooksRouter } from './webhooks';
import { usersRouter } from './users';

export const appRouter = router({
  health,
  runs: runsRouter,
  agents: agentsRouter,
  toolCalls: toolCallsRouter,
  teams: teamsRouter,
  costs: costsRouter,
  prices: pricesRouter,
  approvals: approvalsRouter,
  policies: policiesRouter,
  breakers: breakersRouter,
  budgets: budgetsRouter,
  webhooks: webhooksRouter,
  audit: auditRouter,
  account: accountRouter,
  users: usersRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
