import { router } from '../../trpc';
import { byAgent } from './by-agent';
import { byModel } from './by-model';
import { summary } from './summary';
import { timeseries } from './timeseries';
import { topRuns } from './top-runs';

export const costsRouter = router({ summary, timeseries, byModel, byAgent, topRuns });
