import {
  countPendingApprovals,
  getApproval,
  listApprovals,
  type ApprovalRecord,
  type ListApprovalsQuery,
} from '@flightdeck/db';
import type { Engine } from '../../engine';

export type { ApprovalRecord, ListApprovalsQuery };

export const listApprovalRecords = (engine: Engine, query: ListApprovalsQuery) =>
  listApprovals(engine.db, query);

export const getApprovalRecord = (engine: Engine, id: string) => getApproval(engine.db, id);

export const countPending = (engine: Engine, teamIds?: readonly string[]) =>
  countPendingApprovals(engine.db, teamIds);
