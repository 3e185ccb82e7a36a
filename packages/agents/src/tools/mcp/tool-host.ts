import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpToolDescriptor } from '@modelcontextprotocol/sdk/types.js';
import type { McpGrant, McpServer, ToolGrant } from '@flightdeck/domain';
import { SAFE_PATH } from '../shell';
import type { Tool } from '../types';
import { linkedSignal } from './linked-signal';
import { createMcpTool, MCP_TOOL_NAME } from './mcp-tool';
import { ProcessGroupStdioTransport } from './process-group-transport';

export interface McpToolHostOptions {
  /** PATH for the servers unless a server's declared env sets one (default SAFE_PATH). */
  path?: string;
  /** Start, handshake and list tools within this (default 15 s). */
  startupTimeoutMs?: number;
  /** One tool call (default 60 s); the run's AbortSignal ends it sooner. */
  callTimeoutMs?: number;
  /** After stdin closes, how long a server may take to exit before its group is killed (default 500 ms). */
  exitGraceMs?: number;
  /** Between SIGTERM and SIGKILL (default 500 ms). */
  killGraceMs?: number;
}

export interface McpOpenOptions {
  /** The servers' working directory, normally the run's workspace (default: the OS temp dir). */
  cwd?: string;
}

/** The MCP tools of one turn (or run), and the servers behind them. */
export interface McpSession {
  /** `mcp.<server>.<tool>` for every granted tool of every server that started. */
  tools: Tool[];
  /** What did not work (a server that failed to start, a granted tool it does not offer), for the log. */
  problems: string[];
  /** Stop every server (its whole process group) and wait until they are gone. Idempotent. */
  close(): Promise<void>;
}

interface Started {
  client?: Client;
  tools: Tool[];
  problems: string[];
}

const MAX_TOOLS_PER_SERVER = 512;
const MAX_LIST_PAGES = 20;

function mcpGrants(grants: readonly ToolGrant[]): Map<string, McpGrant> {
  const byServer = new Map<string, McpGrant>();
  for (const grant of grants) {
    if (grant.name.startsWith('mcp.')) byServer.set(grant.name.slice('mcp.'.length), grant);
  }
  return byServer;
}

/** No stacks, no host paths: an errno code, or a short message with paths elided. */
function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\/[^\s'"]+/g, '<path>').slice(0, 300);
}

async function listAllTools(
  client: Client,
  signal: AbortSignal,
  timeout: number,
): Promise<McpToolDescriptor[]> {
  const tools: McpToolDescriptor[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES && tools.length < MAX_TOOLS_PER_SERVER; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined, { signal, timeout });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools.slice(0, MAX_TOOLS_PER_SERVER);
}

/**
 * Starts the MCP servers an agent is granted, for one turn: each over stdio in
 * its own process group, with only its declared environment (plus PATH), and
 * exposes their granted tools as ours. `close()` (or the run's AbortSignal)
 * stops them all.
 */
export class McpToolHost {
  private readonly path: string;
  private readonly startupTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly exitGraceMs: number;
  private readonly killGraceMs: number;

  constructor(options: McpToolHostOptions = {}) {
    this.path = options.path ?? SAFE_PATH;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.exitGraceMs = options.exitGraceMs ?? 500;
    this.killGraceMs = options.killGraceMs ?? 500;
  }

  /**
   * Start the servers named by the `mcp.<server>` grants among `grants` (others
   * declared in `servers` are not started) and list their tools. Servers that
   * fail are reported in `problems`; their tools simply do not exist. Throws
   * only if `signal` aborted meanwhile (after stopping whatever started).
   */
  async open(
    servers: Readonly<Record<string, McpServer>>,
    grants: readonly ToolGrant[],
    signal: AbortSignal,
    options: McpOpenOptions = {},
  ): Promise<McpSession> {
    const cwd = options.cwd ?? tmpdir();
    const started = await Promise.all(
      [...mcpGrants(grants)].map(async ([name, grant]): Promise<Started> => {
        const server = servers[name];
        if (!server)
          return {
            tools: [],
            problems: [`mcp.${name} is granted but no MCP server "${name}" is declared`],
          };
        return this.start(name, server, grant, signal, cwd);
      }),
    );
    const clients = started.flatMap((s) => (s.client ? [s.client] : []));
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      signal.removeEventListener('abort', onAbort);
      closing ??= Promise.all(clients.map((client) => client.close().catch(() => undefined))).then(
        () => undefined,
      );
      return closing;
    };
    // A killed run stops its servers at once, whoever holds the session.
    const onAbort = () => void close();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      await close();
      throw new Error('aborted while starting MCP servers');
    }
    return {
      tools: started.flatMap((s) => s.tools),
      problems: started.flatMap((s) => s.problems),
      close,
    };
  }

  private async start(
    name: string,
    server: McpServer,
    grant: McpGrant,
    signal: AbortSignal,
    cwd: string,
  ): Promise<Started> {
    const transport = new ProcessGroupStdioTransport({
      command: server.command,
      args: server.args,
      env: { PATH: this.path, ...server.env },
      cwd,
      exitGraceMs: this.exitGraceMs,
      killGraceMs: this.killGraceMs,
    });
    const client = new Client({ name: 'flightdeck', version: '1.0.0' }, { capabilities: {} });
    let descriptors: McpToolDescriptor[];
    const startup = linkedSignal(signal);
    try {
      await client.connect(transport, { signal: startup.signal, timeout: this.startupTimeoutMs });
      descriptors = await listAllTools(client, startup.signal, this.startupTimeoutMs);
    } catch (error) {
      await client.close().catch(() => undefined);
      await transport.close();
      return {
        tools: [],
        problems: [`MCP server "${name}" could not be started: ${describeError(error)}`],
      };
    } finally {
      startup.dispose();
    }

    const problems: string[] = [];
    const offered = new Set(descriptors.map((d) => d.name));
    for (const missing of (grant.tools ?? []).filter((t) => !offered.has(t))) {
      problems.push(`mcp.${name} grants tool "${missing}", which the server does not offer`);
    }
    const tools: Tool[] = [];
    const seen = new Set<string>();
    for (const descriptor of descriptors) {
      if (grant.tools && !grant.tools.includes(descriptor.name)) continue;
      if (seen.has(descriptor.name)) continue;
      seen.add(descriptor.name);
      if (!MCP_TOOL_NAME.test(descriptor.name)) {
        problems.push(`MCP server "${name}" offers a tool with an unusable name, skipped`);
        continue;
      }
      tools.push(
        createMcpTool({
          server: name,
          descriptor,
          client,
          idempotent: server.idempotentTools.includes(descriptor.name),
          callTimeoutMs: this.callTimeoutMs,
        }),
      );
    }
    return { client, tools, problems };
  }
}
