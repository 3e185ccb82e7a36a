import type { RunSummary } from '@flightdeck/domain';

/**
 * What procedures return. Built field by field from use-case results, so a new
 * column in the database never reaches a browser by accident.
 */
export type RunDto = RunSummary;

export function toRunDto(run: RunSummary): RunDto {
  return {
    id: run.id,
    teamId: run.teamId,
    teamName: run.teamName,
    goal: run.goal,
    status: run.status,
    lastSeq: run.lastSeq,
    agentCount: run.agentCount,
    turns: run.turns,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    costMicroUsd: run.costMicroUsd,
    openBreakers: run.openBreakers,
    createdAt: run.createdAt,
    endedAt: run.endedAt,
    origin: run.origin,
    originRunId: run.originRunId,
    originSeq: run.originSeq,
  };
}

export function isoDate(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}
