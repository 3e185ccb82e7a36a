import { DelegateBudget } from '@flightdeck/domain';
import { z } from 'zod';
import { fsList, fsRead, fsWrite } from './fs';
import { httpFetch } from './http-fetch';
import { shell } from './shell';
import type { Tool, ToolRegistry } from './types';

/**
 * The built-in tools. Each exists for an agent only when its manifest grants it,
 * and each enforces its grant's scope. MCP tools are per run: see McpToolHost.
 */
export const BUILT_IN_TOOLS: readonly Tool[] = [fsRead, fsWrite, fsList, shell, httpFetch];

export function createToolRegistry(tools: readonly Tool[] = BUILT_IN_TOOLS): ToolRegistry {
  return new Map(tools.map((t) => [t.name, t]));
}

/** The delegate tool's arguments: which declared agent, and what to do. Run by the executor itself. */
export function delegateArgs(agents: readonly string[]) {
  return z
    .object({
      agent: z
        .enum(agents as [string, ...string[]])
        .describe('the agent of the team to delegate to'),
      task: z.string().min(1).max(4000).describe('what the subagent should do and report back'),
      tools: z
        .array(z.string().min(1).max(200))
        .max(64)
        .optional()
        .describe(
          'narrow the subagent to these of its tools (it can never get more than its manifest grants)',
        ),
      budget: DelegateBudget.optional().describe(
        'a slice of your budget for the subagent (hard caps); never more than you have left',
      ),
    })
    .strict();
}
