import type { AgentState, Message } from '@flightdeck/domain';

/** An operator's message as the reducer stores it: `[operator <id>] <message>`. */
const STEER = /^\[operator ([^\]]+)\] ([\s\S]*)$/;

/** Who steered and what they said, for a user message an operator sent (never the agent's task). */
export function steerOf(
  message: Message,
  agent: Pick<AgentState, 'spawnedSeq'>,
): { by: string; text: string } | null {
  if (message.role !== 'user' || message.seq === agent.spawnedSeq) return null;
  const match = STEER.exec(message.content);
  return match ? { by: match[1] ?? '', text: match[2] ?? '' } : null;
}
