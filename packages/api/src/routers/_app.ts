import { router } from '../trpc';
import { health } from './health';
import { runsRouter } from './runs';
import { teamsRouter } from './teams';

export const appRouter = router({
  health,
  runs: runsRouter,
  teams: teamsRouter,
});

export type AppRouter = typeof appRouter;
