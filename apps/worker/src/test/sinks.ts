import {
  BUILT_IN_TOOLS,
  type ModelProvider,
  type ProviderRegistry,
  simulatedProvider,
  type Tool,
} from '@flightdeck/agents';

/**
 * Counts every live model call and every tool execution (the tool sink), by
 * the call id the executor passes, while delegating to the real thing.
 */
export class CallSink {
  readonly modelCalls: string[] = [];
  readonly toolCalls: Array<{ callId: string; tool: string }> = [];
  /** When set, calls are refused (and still counted): a replay must make none. */
  blocked = false;

  reset(): void {
    this.modelCalls.length = 0;
    this.toolCalls.length = 0;
  }

  providers(): ProviderRegistry {
    const generate: ModelProvider['generate'] = async (request) => {
      this.modelCalls.push(request.callId ?? '?');
      if (this.blocked) throw new Error('live model call while blocked');
      return simulatedProvider.generate(request);
    };
    return { simulated: { id: 'simulated', generate } };
  }

  tools(): Tool[] {
    return BUILT_IN_TOOLS.map((tool): Tool => ({
      ...tool,
      run: async (args, context) => {
        this.toolCalls.push({ callId: context.callId ?? '?', tool: tool.name });
        if (this.blocked) throw new Error(`live ${tool.name} call while blocked`);
        return tool.run(args, context);
      },
    }));
  }
}
