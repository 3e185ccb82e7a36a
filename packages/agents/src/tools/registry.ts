import { z } from 'zod';
import { fsList, fsRead, fsWrite } from './fs';
import type { Tool, ToolRegistry } from './types';

export function createToolRegistry(tools: readonly Tool[] = [fsRead, fsWrite, fsList]): ToolRegistry {
  return new Map(tools.map((t) => [t.name, t]));
}

/** The delegate tool's arguments: which declared agent, and what to do. Run by the executor itself. */
export function delegateArgs(agents: readonly string[]) {
  return z
    .object({
      agent: z.enum(agents as [string, ...string[]]).describe('the agent of the team to delegate to'),
      task: z.string().min(1).max(4000).describe('what the subagent should do and report back'),
    })
    .strict();
}
