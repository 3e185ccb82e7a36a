import { router } from '../trpc';
import { agentsRouter } from './agents';
import { costsRouter } from './costs';
import { health } from './health';
import { runsRouter } from './runs';
import { teamsRouter } from './teams';
import { toolCallsRouter } from './tool-calls';

export const appRouter = router({
  health,
  runs: runsRouter,
  agents: agentsRouter,
  toolCalls: toolCallsRouter,
  teams: teamsRouter,
  costs: costsRouter,
});

export type AppRouter = typeof appRouter;
