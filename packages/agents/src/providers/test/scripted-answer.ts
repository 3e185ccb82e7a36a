/** What a stand-in model "says", vendor-neutral; the wire modules spell it in each vendor's stream format. */
export interface ScriptedAnswer {
  /** Text, in the pieces it streams in. */
  text?: string[];
  /** Tool calls in the vendor's wire names, with their JSON arguments in the pieces they stream in. */
  toolCalls?: Array<{ id: string; name: string; argChunks: string[] }>;
  usage: { input: number; output: number };
  /** Stopped by the output-token cap instead of finishing. */
  truncated?: boolean;
}
