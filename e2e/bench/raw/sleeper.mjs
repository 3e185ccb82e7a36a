#!/usr/bin/env node
// A long shell command for the kill benchmark: it forks a grandchild and
// sleeps, so "every child process gone" means the whole process group died.
import { spawn } from 'node:child_process';

spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
setTimeout(() => {}, 120000);
