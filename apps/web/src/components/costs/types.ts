import type { AppRouter } from '@flightdeck/api';
import type { inferRouterOutputs } from '@trpc/server';

type Costs = inferRouterOutputs<AppRouter>['costs'];
export type CostSummary = Costs['summary'];
export type CostTimeseries = Costs['timeseries'];
export type ModelCostRow = Costs['byModel'][number];
export type AgentCostRow = Costs['byAgent'][number];
export type CostlyRunRow = Costs['topRuns'][number];
