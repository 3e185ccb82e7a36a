import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ContentBlock, Tool as McpToolDescriptor } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ToolGrant } from '@flightdeck/domain';
import { z } from 'zod';
import { capOutput, type Tool, type ToolResult } from '../types';
import { linkedSignal } from './linked-signal';

/** MCP tool names (spec: 1–128 of A–Z a–z 0–9 _ - .), which become part of ours. */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_SCHEMA_CHARS = 64_000;
const MAX_DESCRIPTION_CHARS = 2_000;

/** `mcp.<server>.<tool>`: the name an agent calls a server's tool by. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp.${server}.${tool}`;
}

/**
 * The grant that covers a tool name: `mcp.<server>` for `mcp.<server>.<tool>`
 * (server names have no dots), the name itself for every other tool. The
 * executor looks grants up with this.
 */
export function grantNameFor(toolName: string): string {
  const match = /^(mcp\.[^.]+)\./.exec(toolName);
  return match ? match[1]! : toolName;
}

/** Whether `grant` lets the agent call `tool` of `server`. */
export function grantCovers(grant: ToolGrant, server: string, tool: string): boolean {
  if (grant.name !== `mcp.${server}`) return false;
  return !('tools' in grant) || grant.tools === undefined || grant.tools.includes(tool);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A zod schema for a tool's JSON Schema input: converted with zod's own
 * converter when it can (so arguments are checked before reaching the server,
 * and the model is shown the same schema), otherwise a permissive object that
 * still requires the declared required keys.
 */
export function argsSchemaFor(inputSchema: McpToolDescriptor['inputSchema']): z.ZodType {
  const json = JSON.stringify(inputSchema);
  if (json.length <= MAX_SCHEMA_CHARS) {
    try {
      return z.fromJSONSchema(inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      // Unsupported JSON Schema features: fall through to the permissive schema.
    }
  }
  const required = Array.isArray(inputSchema.required)
    ? inputSchema.required.filter((k) => typeof k === 'string')
    : [];
  const shown =
    json.length <= MAX_SCHEMA_CHARS ? { properties: inputSchema.properties ?? {}, required } : {};
  return z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      for (const key of required.filter((k) => !(k in value))) {
        ctx.addIssue({
          code: 'custom',
          message: `missing required argument "${key}"`,
          path: [key],
        });
      }
    })
    .meta(shown);
}

function describeContent(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type}: ${block.mimeType}, about ${Math.floor((block.data.length * 3) / 4)} bytes, not shown]`;
    case 'resource':
      return 'text' in block.resource
        ? block.resource.text
        : `[binary resource ${block.resource.uri}, not shown]`;
    case 'resource_link':
      return `[resource link ${block.name}: ${block.uri}]`;
  }
}

type CallResult = Awaited<ReturnType<Client['callTool']>>;

export function formatCallResult(result: CallResult): ToolResult {
  if (!('content' in result) || !Array.isArray(result.content)) {
    return { ok: true, output: capOutput(JSON.stringify(result.toolResult ?? null)) };
  }
  const parts = result.content.map(describeContent);
  if (parts.length === 0 && result.structuredContent)
    parts.push(JSON.stringify(result.structuredContent));
  return { ok: result.isError !== true, output: capOutput(parts.join('\n')) };
}

function describeCallError(error: unknown, signal: AbortSignal, timeoutMs: number): ToolResult {
  if (signal.aborted) return { ok: false, output: 'aborted' };
  if (error instanceof McpError) {
    if (error.code === (ErrorCode.RequestTimeout as number))
      return { ok: false, output: `the MCP server did not answer within ${timeoutMs} ms` };
    return {
      ok: false,
      output: `MCP error ${error.code}: ${error.message.replace(/\/[^\s'"]+/g, '<path>').slice(0, 500)}`,
    };
  }
  return { ok: false, output: 'the MCP call failed (the server may have stopped)' };
}

export interface McpToolSpec {
  server: string;
  descriptor: McpToolDescriptor;
  client: Client;
  idempotent: boolean;
  callTimeoutMs: number;
}

/** One tool of a connected MCP server, as one of our tools. */
export function createMcpTool({
  server,
  descriptor,
  client,
  idempotent,
  callTimeoutMs,
}: McpToolSpec): Tool {
  const name = mcpToolName(server, descriptor.name);
  const description = (
    descriptor.description ?? `Tool ${descriptor.name} of the MCP server ${server}.`
  ).slice(0, MAX_DESCRIPTION_CHARS);
  return {
    name,
    description,
    args: argsSchemaFor(descriptor.inputSchema),
    idempotent,
    async run(args, { signal, grant }) {
      if (!grantCovers(grant, server, descriptor.name)) {
        return { ok: false, output: `refused: ${name} is not granted to this agent` };
      }
      if (!isPlainObject(args))
        return { ok: false, output: 'refused: arguments must be an object' };
      if (signal.aborted) return { ok: false, output: 'aborted' };
      const call = linkedSignal(signal);
      try {
        const result = await client.callTool(
          { name: descriptor.name, arguments: args },
          undefined,
          {
            signal: call.signal,
            timeout: callTimeoutMs,
          },
        );
        return formatCallResult(result);
      } catch (error) {
        return describeCallError(error, signal, callTimeoutMs);
      } finally {
        call.dispose();
      }
    },
  };
}
