import type { Message, ModelRef, Usage } from '@flightdeck/domain';

/** A tool as a model sees it: a name, what it does, and a JSON Schema for its arguments. */
export interface ModelToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface SimulationOptions {
  latencyMs: number;
  errorRate: number;
  minSteps: number;
  maxSteps: number;
  seed: number;
  /** The agent's name in the manifest (used in what it writes). */
  agentName: string;
  /** Distinguishes agents of the same name in one run (mixed into the seed). */
  agentKey: string;
  isLead: boolean;
  /** A runaway on purpose: these agents (all, when none are named) make these calls in order, `times` over, then report. */
  loop?: {
    agents: string[];
    calls: Array<{ tool: string; args: Record<string, unknown> }>;
    times: number;
  };
}

export interface ModelRequest {
  /** The call's id in the run's log (`llm.call.started`): for recorders and replays, never sent to a model. */
  callId?: string;
  model: ModelRef;
  system: string;
  messages: readonly Message[];
  tools: readonly ModelToolSpec[];
  maxOutputTokens: number;
  signal: AbortSignal;
  /**
   * Called with each piece of text as the model streams it (for live views).
   * Optional; providers that do not stream never call it. It must not throw.
   */
  onDelta?: (textDelta: string) => void;
  /** Options only one provider understands, keyed by provider. */
  providerOptions?: { simulated?: SimulationOptions };
}

export interface ModelToolCall {
  tool: string;
  args: Record<string, unknown>;
}

export interface ModelResponse {
  text: string;
  toolCalls: ModelToolCall[];
  usage: Usage;
  finishReason: 'stop' | 'tool_calls' | 'length';
}

/** The one interface every model provider implements, the simulated one included. */
export interface ModelProvider {
  readonly id: ModelRef['provider'];
  generate(request: ModelRequest): Promise<ModelResponse>;
}

export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

export type ProviderRegistry = Partial<Record<ModelRef['provider'], ModelProvider>>;
