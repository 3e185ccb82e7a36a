import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { killProcessGroup } from '../process-group';

export interface ProcessGroupStdioParams {
  command: string;
  args: readonly string[];
  /** The server's whole environment: nothing else is inherited. */
  env: Record<string, string>;
  cwd: string;
  /** After stdin closes, how long the server may take to exit before its group is killed. */
  exitGraceMs: number;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

/**
 * The MCP stdio client transport, but with the server leading its own process
 * group and an exact environment. The SDK's StdioClientTransport merges in
 * HOME, USER, SHELL … from our environment and on close signals only the
 * direct child, so servers started through a wrapper (`npx`, `uvx`) leave the
 * real server orphaned (modelcontextprotocol/typescript-sdk#2023). Here close
 * ends stdin, then kills the whole group, and resolves once it is gone.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly buffer = new ReadBuffer();
  private closing: Promise<void> | undefined;
  private exited: Promise<void> = Promise.resolve();
  private closeNotified = false;

  constructor(private readonly params: ProcessGroupStdioParams) {}

  /** The server's pid, which is also its process group id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('already started'));
    const child = spawn(this.params.command, [...this.params.args], {
      cwd: this.params.cwd,
      env: this.params.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.child = child;
    this.exited = once(child, 'exit').then(
      () => undefined,
      () => undefined,
    );
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stdout.on('error', (error) => this.onerror?.(error));
    child.stdin.on('error', (error) => this.onerror?.(error));
    // The server ended on its own (or was killed): reap what it left, then report.
    child.once('close', () => void this.close());
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
    });
  }

  private receive(chunk: Buffer): void {
    try {
      this.buffer.append(chunk);
    } catch (error) {
      // A message larger than the buffer: the stream cannot be trusted any more.
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closing || !stdin.writable)
      return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined) {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) {
        await Promise.race([this.exited, delay(this.params.exitGraceMs)]);
      }
      await killProcessGroup(child.pid, this.params.killGraceMs);
      child.stdout.destroy();
    }
    this.buffer.clear();
    if (!this.closeNotified) {
      this.closeNotified = true;
      this.onclose?.();
    }
  }
}
