#!/usr/bin/env node
// A non-idempotent side effect the chaos test owns: every execution appends a
// line to the sink file, holds for a while (so workers die inside it), and
// appends another when it is done. Usage: node sink.mjs <sink-file> <token>
import { appendFileSync } from 'node:fs';

const [sink, token] = process.argv.slice(2);
appendFileSync(sink, `start ${token}\n`);
await new Promise((r) => setTimeout(r, 400));
appendFileSync(sink, `end ${token}\n`);
console.log(`sank ${token}`);
