import type { Message } from '@flightdeck/domain';
import { abortableSleep } from './abortable-sleep';
import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelToolCall,
  SimulationOptions,
} from './types';

/**
 * A deterministic, seeded model that plays agent roles, so demos, tests and
 * benchmarks run without API keys. Given the same seed, agent and conversation
 * it answers the same way. It plans, delegates to the agents its `delegate`
 * tool offers, works in the workspace with the tools it has, errs now and then
 * (a read of a source that does not exist) and recovers, and finally reports.
 * Its usage is counted like a real model's and priced as the model it names.
 */
export const simulatedProvider: ModelProvider = {
  id: 'simulated',
  async generate(request: ModelRequest): Promise<ModelResponse> {
    const options = request.providerOptions?.simulated ?? DEFAULT_OPTIONS;
    const response = simulateResponse(request, options);
    if (options.latencyMs > 0) {
      const jitter = 0.75 + 0.5 * rngFor(options, request.messages.length, 'latency')();
      await abortableSleep(Math.round(options.latencyMs * jitter), request.signal);
    } else if (request.signal.aborted) {
      throw request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted');
    }
    return response;
  },
};

const DEFAULT_OPTIONS: SimulationOptions = {
  latencyMs: 0,
  errorRate: 0,
  minSteps: 1,
  maxSteps: 2,
  seed: 1,
  agentName: 'agent',
  agentKey: 'agent',
  isLead: false,
};

/** xmur3 string hash → mulberry32: small, fast, good enough for simulation. */
function hashString(input: string): number {
  let h = 1779033703 ^ input.length;
  for (let i = 0; i < input.length; i++) {
    h = Math.imul(h ^ input.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rngFor(options: SimulationOptions, step: number, purpose: string): () => number {
  return mulberry32(hashString(`${options.seed}|${options.agentKey}|${step}|${purpose}`));
}

const ANGLES = [
  'background',
  'key figures',
  'open questions',
  'risks',
  'prior work',
  'trade-offs',
  'timeline',
  'sources',
];
const VERBS = ['compared', 'summarised', 'cross-checked', 'outlined', 'collected', 'reviewed'];

function pick<T>(items: readonly T[], rng: () => number): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function topicOf(messages: readonly Message[]): string {
  const task = messages.find((m) => m.role === 'user')?.content ?? 'the task';
  const words = task
    .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 3);
  return words.slice(0, 6).join(' ') || 'the task';
}

function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'notes'
  );
}

function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function delegateTargets(request: ModelRequest): string[] {
  const spec = request.tools.find((t) => t.name === 'delegate');
  const properties = spec?.parameters.properties as Record<string, { enum?: unknown }> | undefined;
  const targets = properties?.agent?.enum;
  return Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string') : [];
}

/** The response, without latency: a pure function of the request. */
export function simulateResponse(request: ModelRequest, options: SimulationOptions): ModelResponse {
  const { messages } = request;
  const step = messages.filter((m) => m.role === 'assistant').length;
  const has = (tool: string) => request.tools.some((t) => t.name === tool);
  const plan = rngFor(options, 0, 'plan');
  const rng = rngFor(options, step, 'step');
  const topic = topicOf(messages);
  const workSteps =
    options.minSteps + Math.floor(plan() * (options.maxSteps - options.minSteps + 1));
  const targets = delegateTargets(request);
  const willDelegate = targets.length > 0 && (options.isLead || plan() < 0.6);
  const delegated = messages.some(
    (m) => m.role === 'assistant' && m.toolCalls.some((c) => c.tool === 'delegate'),
  );
  const lastTool = [...messages].reverse().find((m) => m.role === 'tool');

  let text: string;
  const toolCalls: ModelToolCall[] = [];
  const loop = options.loop;
  const looping = loop && (loop.agents.length === 0 || loop.agents.includes(options.agentName));

  if (looping) {
    const total = loop.calls.length * loop.times;
    const call = step < total ? loop.calls[step % loop.calls.length] : undefined;
    if (call) {
      text = `${step === 0 ? 'First' : 'Again'}: ${describe(call)}.`;
      toolCalls.push({ tool: call.tool, args: structuredClone(call.args) });
    } else {
      text = `Done: went round ${loop.times} times over ${topic}.`;
    }
  } else if (willDelegate && !delegated) {
    const chosen = options.isLead ? targets : targets.slice(0, 1);
    text = `Plan for "${topic}": split the work between ${chosen.join(' and ')}, then merge what they find.`;
    for (const agent of chosen) {
      toolCalls.push({
        tool: 'delegate',
        args: {
          agent,
          task: `${pick(VERBS, rng)} the ${pick(ANGLES, rng)} of ${topic} and report back`,
        },
      });
    }
  } else if (options.isLead && has('fs.write') && !wroteFile(messages, 'report.md')) {
    const findings = messages
      .filter((m) => m.role === 'tool' && m.tool === 'delegate' && m.ok)
      .map((m) => m.content);
    text = 'Merging the team findings into report.md.';
    toolCalls.push({
      tool: 'fs.write',
      args: {
        path: 'report.md',
        content: `# ${topic}\n\n${findings.map((f, i) => `## Finding ${i + 1}\n\n${f}\n`).join('\n') || 'No findings were reported.\n'}`,
      },
    });
  } else if (!options.isLead && step - (delegated ? 1 : 0) < workSteps) {
    const workIndex = step - (delegated ? 1 : 0);
    const recovering =
      lastTool && !lastTool.ok
        ? `That failed (${lastTool.content.slice(0, 80)}); carrying on without it. `
        : '';
    const call = workCall(request, options, workIndex, topic, rng, has);
    text = `${recovering}${call ? `Next: ${describe(call)}.` : 'Thinking it through.'}`;
    if (call) toolCalls.push(call);
  } else {
    const results = messages.filter((m) => m.role === 'tool' && m.ok).length;
    const report = reportResult(messages);
    text = options.isLead
      ? report && !report.ok
        ? `I could not write report.md (${report.content.slice(0, 200)}), so I stop here: the team's findings on ${topic} stay in the conversation and the notes.`
        : `Done: the team's findings on ${topic} are in report.md (${results} successful tool results).`
      : `Report on ${topic}: ${pick(VERBS, rng)} the ${pick(ANGLES, rng)} and the ${pick(ANGLES, rng)}; ${results} steps succeeded.`;
  }

  const inputTokens =
    countTokens(request.system) +
    messages.reduce((sum, m) => sum + countTokens(messageText(m)), 0) +
    24 * request.tools.length;
  const reasoning = 20 + Math.floor(rng() * 120);
  const outputTokens = Math.min(
    request.maxOutputTokens,
    countTokens(text) + countTokens(JSON.stringify(toolCalls)) + reasoning,
  );
  return {
    text,
    toolCalls,
    usage: { inputTokens, outputTokens },
    finishReason: toolCalls.length ? 'tool_calls' : 'stop',
  };
}

function workCall(
  request: ModelRequest,
  options: SimulationOptions,
  workIndex: number,
  topic: string,
  rng: () => number,
  has: (tool: string) => boolean,
): ModelToolCall | null {
  if (has('fs.read') && rng() < options.errorRate) {
    // The simulated agent errs: it reads a source nobody wrote.
    return { tool: 'fs.read', args: { path: `sources/${slugify(pick(ANGLES, rng))}.txt` } };
  }
  if (workIndex === 0 && has('fs.list')) return { tool: 'fs.list', args: { path: '.' } };
  const commands = shellCommands(request);
  if (commands.length && workIndex % 2 === 0) {
    // Run one of the granted commands, filling its wildcards with a token unique to this step.
    const token = `${options.seed}-${slugify(options.agentName)}-${hashString(options.agentKey).toString(36)}-${workIndex}`;
    return { tool: 'shell', args: { command: pick(commands, rng).replace(/\*/g, token) } };
  }
  if (has('fs.write') && workIndex % 2 === 1) {
    const angle = pick(ANGLES, rng);
    return {
      tool: 'fs.write',
      args: {
        path: `notes/${slugify(options.agentName)}-${workIndex}.md`,
        content: `# ${angle} — ${topic}\n\n- ${pick(VERBS, rng)} the ${angle}\n- ${pick(VERBS, rng)} the ${pick(ANGLES, rng)}\n`,
      },
    };
  }
  const ownNote = [...request.messages]
    .reverse()
    .find((m) => m.role === 'assistant' && m.toolCalls.some((c) => c.tool === 'fs.write'));
  const path =
    ownNote?.role === 'assistant'
      ? ownNote.toolCalls.find((c) => c.tool === 'fs.write')?.args.path
      : undefined;
  if (has('fs.read') && typeof path === 'string') return { tool: 'fs.read', args: { path } };
  if (has('fs.list')) return { tool: 'fs.list', args: { path: 'notes' } };
  return null;
}

function shellCommands(request: ModelRequest): string[] {
  const spec = request.tools.find((t) => t.name === 'shell');
  const properties = spec?.parameters.properties as
    Record<string, { examples?: unknown }> | undefined;
  const examples = properties?.command?.examples;
  return Array.isArray(examples) ? examples.filter((e): e is string => typeof e === 'string') : [];
}

/** The result of the lead's report write, once it has one. */
function reportResult(
  messages: readonly Message[],
): Extract<Message, { role: 'tool' }> | undefined {
  const ask = messages.find(
    (m) =>
      m.role === 'assistant' &&
      m.toolCalls.some((c) => c.tool === 'fs.write' && c.args.path === 'report.md'),
  );
  const callId =
    ask?.role === 'assistant'
      ? ask.toolCalls.find((c) => c.tool === 'fs.write' && c.args.path === 'report.md')?.callId
      : undefined;
  return messages.find(
    (m): m is Extract<Message, { role: 'tool' }> => m.role === 'tool' && m.callId === callId,
  );
}

function wroteFile(messages: readonly Message[], path: string): boolean {
  return messages.some(
    (m) =>
      m.role === 'assistant' &&
      m.toolCalls.some((c) => c.tool === 'fs.write' && c.args.path === path),
  );
}

function describe(call: ModelToolCall): string {
  const path = typeof call.args.path === 'string' ? ` ${call.args.path}` : '';
  return `${call.tool}${path}`;
}

function messageText(message: Message): string {
  if (message.role === 'assistant') return message.content + JSON.stringify(message.toolCalls);
  return message.content;
}
