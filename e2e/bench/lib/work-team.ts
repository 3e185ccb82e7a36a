/**
 * A team for measuring turns: a lead delegating to `agents - 1` workers, each
 * taking exactly `workSteps` steps with no latency and no failures, file tools
 * and delegation allowed.
 */
export function workTeam(name: string, agents: number, workSteps: number): string {
  const workers = Array.from({ length: agents - 1 }, (_, i) => `w${i + 1}`);
  return `
name: ${name}
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.read, fs.list]
    delegates: [${workers.join(', ')}]
    # A child's scope may only narrow its parent's: the lead allows at least its workers' turns.
    limits: { maxTurns: ${Math.max(agents, workSteps + 5)} }
${workers.map((w) => `  ${w}:\n    role: Worker\n    model: simulated/gpt-4o-mini\n    tools: [fs.write, fs.read, fs.list]\n    limits: { maxTurns: ${workSteps + 5} }`).join('\n')}
limits: { maxDepth: 1, maxChildrenPerAgent: ${agents - 1}, maxConcurrentAgents: ${agents} }
simulation: { latencyMs: 0, errorRate: 0, minSteps: ${workSteps}, maxSteps: ${workSteps} }
policy:
  rules:
    - { id: team, tool: delegate, effect: allow }
    - { id: files, tool: 'fs.*', effect: allow }
`;
}
