/**
 * A tiny MCP server over stdio, for tests: `node --import tsx echo-server.ts`.
 * Tools: echo, add, sleep (honours cancellation) and env (the names of its
 * environment variables). With ECHO_SERVER_PIDFILE set it forks a long-lived
 * `sleep` and writes "<own pid> <sleep's pid>" there, to prove the whole
 * process group goes when the client closes.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'echo', version: '1.0.0' });

server.registerTool(
  'echo',
  {
    description: 'Echo the text back.',
    inputSchema: { text: z.string().describe('what to echo') },
  },
  ({ text }) => ({ content: [{ type: 'text', text }] }),
);

server.registerTool(
  'add',
  { description: 'Add two numbers.', inputSchema: { a: z.number(), b: z.number() } },
  ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
);

server.registerTool(
  'sleep',
  { description: 'Wait, then answer.', inputSchema: { ms: z.number().int().min(0) } },
  async ({ ms }, extra) => {
    await delay(ms, undefined, { signal: extra.signal });
    return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
  },
);

server.registerTool(
  'env',
  { description: 'The names of this server’s environment variables.' },
  () => ({
    content: [{ type: 'text', text: Object.keys(process.env).sort().join('\n') }],
  }),
);

const pidFile = process.env.ECHO_SERVER_PIDFILE;
if (pidFile) {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  writeFileSync(pidFile, `${process.pid} ${child.pid}`);
}

await server.connect(new StdioServerTransport());
