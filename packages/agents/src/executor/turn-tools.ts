import { type AgentSpec, grantOf, type Manifest, type ToolGrant } from '@flightdeck/domain';
import type { ModelToolSpec } from '../providers/types';
import { grantNameFor } from '../tools/mcp/mcp-tool';
import { scopedSpec } from '../tools/grant-scope';
import type { McpSession, McpToolHost } from '../tools/mcp/tool-host';
import { toModelSpec, type Tool, type ToolRegistry } from '../tools/types';

/**
 * The tools one agent has in one turn: the built-ins its manifest grants, and
 * the tools of the MCP servers it is granted (started on first use, stopped
 * when the turn ends). What is not granted is not there.
 */
export class TurnTools {
  private mcp: Promise<McpSession> | null = null;

  constructor(
    private readonly builtIns: ToolRegistry,
    private readonly mcpHost: McpToolHost | undefined,
    private readonly spec: AgentSpec,
    private readonly manifest: Manifest,
    private readonly workspace: () => Promise<string>,
    private readonly signal: AbortSignal,
  ) {}

  private mcpGrants(): ToolGrant[] {
    return this.spec.tools.filter((g) => g.name.startsWith('mcp.'));
  }

  private async mcpTools(): Promise<Tool[]> {
    if (!this.mcpHost || this.mcpGrants().length === 0) return [];
    this.mcp ??= this.workspace().then((cwd) =>
      this.mcpHost!.open(this.manifest.mcpServers, this.mcpGrants(), this.signal, { cwd }),
    );
    return (await this.mcp).tools;
  }

  /** Tools as the model sees them (delegate is described by the executor). */
  async modelSpecs(): Promise<ModelToolSpec[]> {
    const builtIns = this.spec.tools.flatMap((grant) => {
      const tool = grant.name === 'delegate' ? undefined : this.builtIns.get(grant.name);
      return tool ? [scopedSpec(toModelSpec(tool), grant)] : [];
    });
    return [...builtIns, ...(await this.mcpTools()).map(toModelSpec)];
  }

  /** The tool and the grant that allows it, or null when the agent has no such tool. */
  async resolve(name: string): Promise<{ tool: Tool; grant: ToolGrant } | null> {
    const grant = grantOf(this.spec, name.startsWith('mcp.') ? grantNameFor(name) : name);
    if (!grant) return null;
    const tool = name.startsWith('mcp.')
      ? (await this.mcpTools()).find((t) => t.name === name)
      : this.builtIns.get(name);
    return tool ? { tool, grant } : null;
  }

  async close(): Promise<void> {
    if (this.mcp) await (await this.mcp.catch(() => null))?.close();
  }
}
