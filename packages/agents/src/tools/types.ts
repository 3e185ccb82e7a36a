import type { ToolGrant } from '@flightdeck/domain';
import type { z } from 'zod';
import type { ModelToolSpec } from '../providers/types';

export interface ToolContext {
  /** The call's id in the run's log (`tool.call.dispatched`): for recorders and replays. */
  callId?: string;
  /** The run's workspace directory: file tools cannot reach outside it. */
  workspace: string;
  signal: AbortSignal;
  /** What the manifest grants this agent for this tool: the tool enforces it. */
  grant: ToolGrant;
}

export interface ToolResult {
  ok: boolean;
  output: string;
}

export interface Tool<A extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: A;
  /** Safe to run again after a crash left its outcome unknown. */
  idempotent: boolean;
  /** Never changes the workspace: no snapshot of it is taken after the call. */
  readOnly?: boolean;
  /**
   * Optional, per call: whether these arguments are safe to run again (e.g. an
   * HTTP GET but not a POST). When present it takes precedence over `idempotent`.
   */
  isIdempotent?(args: z.infer<A>): boolean;
  run(args: z.infer<A>, context: ToolContext): Promise<ToolResult>;
}

export type ToolRegistry = ReadonlyMap<string, Tool>;

/** Tool results are capped before they enter the log and the model's context. */
export const MAX_TOOL_OUTPUT_CHARS = 16_000;

export function capOutput(output: string): string {
  if (output.length <= MAX_TOOL_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_TOOL_OUTPUT_CHARS)}\n… [truncated ${output.length - MAX_TOOL_OUTPUT_CHARS} characters]`;
}

export function toModelSpec(tool: Tool): ModelToolSpec {
  return { name: tool.name, description: tool.description, parameters: tool.args.toJSONSchema() };
}
