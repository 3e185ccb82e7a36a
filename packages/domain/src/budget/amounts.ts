import { type ModelPrice, worstCaseMicroUsd } from '../pricing';
import type { Message, Totals } from '../events/reducer';
import type { RunEvent } from '../events/schema';
import type { BudgetAmounts } from './limits';

/**
 * What a call may cost at worst (reserved before it), and what it did cost
 * (settled after it, read from the event that records it).
 */

/**
 * Characters per token assumed when estimating a request's size before it is
 * sent. English text runs about 4 characters per token; 3 overestimates it,
 * so the reservation errs on the side of holding too much (the settlement
 * gives back the difference).
 */
export const CHARS_PER_TOKEN_ESTIMATE = 3;
/** Per message: role markers and separators. */
export const TOKENS_PER_MESSAGE_ESTIMATE = 4;

export interface ModelRequestSize {
  system: string;
  messages: readonly Message[];
  /** The tools offered to the model, as they are sent (name, description, JSON Schema). */
  tools: readonly unknown[];
}

const tokensOf = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN_ESTIMATE);

function messageChars(message: Message): number {
  switch (message.role) {
    case 'user':
      return message.content.length;
    case 'assistant':
      return (
        message.content.length +
        (message.toolCalls.length ? JSON.stringify(message.toolCalls).length : 0)
      );
    case 'tool':
      return message.content.length + message.tool.length + message.callId.length;
  }
}

/** An estimate of a request's input tokens, on the high side. */
export function estimateInputTokens(request: ModelRequestSize): number {
  const chars =
    request.system.length +
    request.messages.reduce((sum, m) => sum + messageChars(m), 0) +
    (request.tools.length ? JSON.stringify(request.tools).length : 0);
  return tokensOf(chars) + TOKENS_PER_MESSAGE_ESTIMATE * (request.messages.length + 1);
}

/**
 * The worst case of one model call: its input estimate plus every output
 * token it may produce, priced at the price table (a model without a price
 * costs 0, as its recorded cost does), one model call.
 */
export function worstCaseModelCall(
  price: ModelPrice | undefined,
  inputTokens: number,
  maxOutputTokens: number,
): BudgetAmounts {
  return {
    usd: worstCaseMicroUsd(price, inputTokens, maxOutputTokens),
    tokens: inputTokens + maxOutputTokens,
    llmCalls: 1,
  };
}

/** The worst case of a tool call (and of a delegate call): one tool call. */
export const TOOL_CALL_AMOUNTS: BudgetAmounts = Object.freeze({ toolCalls: 1 });
/** The worst case of starting a turn: one turn. */
export const TURN_AMOUNTS: BudgetAmounts = Object.freeze({ turns: 1 });

/**
 * What an event of the log spends, the same way the reducer's totals count
 * it: a finished model call its cost, tokens and one call; a dispatched tool
 * call one tool call; a started turn one turn. Budgets settle exactly this,
 * and counters rebuilt from the log sum exactly this.
 */
export function usageOfEvent(event: Pick<RunEvent, 'type' | 'payload'>): BudgetAmounts | null {
  switch (event.type) {
    case 'llm.call.finished': {
      const p = (event as Extract<RunEvent, { type: 'llm.call.finished' }>).payload;
      return {
        usd: p.costMicroUsd,
        tokens: p.usage.inputTokens + p.usage.outputTokens,
        llmCalls: 1,
      };
    }
    case 'tool.call.dispatched':
      return { toolCalls: 1 };
    case 'agent.turn.started':
      return { turns: 1 };
    default:
      return null;
  }
}

/** A run's (or an agent's) totals as budget amounts. */
export function amountsOfTotals(totals: Totals): Required<BudgetAmounts> {
  return {
    usd: totals.costMicroUsd,
    tokens: totals.inputTokens + totals.outputTokens,
    llmCalls: totals.llmCalls,
    toolCalls: totals.toolCalls,
    turns: totals.turns,
  };
}
