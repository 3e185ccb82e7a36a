/**
 * `npm run bench -- all [--quick]`: every registered benchmark in sequence,
 * each in its own child process (a failure or a hang of one does not stop the
 * others: its error is recorded), then docs/benchmarks.json, the charts under
 * docs/bench/ and docs/benchmarks.md from the figures.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import path from 'node:path';
import { DETAIL_DIR_ENV } from '../lib/detail';
import {
  type BenchmarksFile,
  type BenchRecord,
  buildCharts,
  type Figures,
  handWrittenSection,
  type MachineFacts,
  renderReport,
} from './write-report';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const runScript = path.join(import.meta.dirname, '..', 'run.ts');

/** Per benchmark, at most this long before its process group is killed. */
const TIMEOUT_MS = { quick: 5 * 60_000, full: 30 * 60_000 };

/** The last line of output that parses as a JSON object with a `bench` field. */
export function lastJsonLine(output: string): Figures | null {
  const lines = output.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Figures;
      if (parsed && typeof parsed === 'object' && 'bench' in parsed) return parsed;
    } catch {
      // not JSON
    }
  }
  return null;
}

function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

const loads = () => loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];

/** One benchmark in a child process of its own (its own process group, so a timeout ends all of it). */
function runOne(name: string, quick: boolean, detailDir: string): Promise<BenchRecord> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', runScript, name, ...(quick ? ['--quick'] : [])],
      {
        cwd: path.join(repoRoot, 'e2e'),
        env: { ...process.env, [DETAIL_DIR_ENV]: detailDir },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-4_000);
      process.stderr.write(chunk);
    });
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      },
      quick ? TIMEOUT_MS.quick : TIMEOUT_MS.full,
    );
    current = child.pid ?? null;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      const seconds = (performance.now() - started) / 1000;
      const figures = lastJsonLine(output);
      if (code === 0 && figures) {
        const { bench: _bench, ...rest } = figures;
        resolve({ figures: rest, seconds });
        return;
      }
      const reason = timedOut
        ? `timed out after ${Math.round(seconds)} s`
        : `exited with ${code ?? signal}`;
      const lastError = errors
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('npm warn'))
        .slice(0, 3)
        .join(' ');
      resolve({ error: `${reason}${lastError ? `: ${lastError.slice(0, 400)}` : ''}`, seconds });
    });
  });
}

let current: number | null = null;

export async function runAll(names: string[], quick: boolean): Promise<BenchmarksFile> {
  // Ctrl-C (or a kill) ends the benchmark running now, with its stack, not only this process.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      if (current) process.kill(-current, 'SIGKILL');
      process.exit(130);
    });
  const machine: MachineFacts = {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
    load_before: loads(),
    load_after: loads(),
    started_at: new Date().toISOString(),
    finished_at: '',
    commit: commit(),
  };
  const detailDir = await mkdtemp(path.join(tmpdir(), 'fd-bench-all-'));
  const results: BenchmarksFile['results'] = {};
  for (const name of names) {
    console.log(`\n=== ${name}${quick ? ' --quick' : ''} (load ${loads().join(' ')}) ===`);
    results[name] = await runOne(name, quick, detailDir);
    const r = results[name];
    console.log(
      `=== ${name}: ${r.error ? `FAILED (${r.error.slice(0, 200)})` : 'done'} in ${Math.round(r.seconds)} s ===`,
    );
  }
  machine.load_after = loads();
  machine.finished_at = new Date().toISOString();
  const details: Record<string, unknown> = {};
  for (const entry of await readdir(detailDir)) {
    if (entry.endsWith('.json'))
      details[entry.slice(0, -5)] = JSON.parse(await readFile(path.join(detailDir, entry), 'utf8'));
  }
  await rm(detailDir, { recursive: true, force: true });
  const file: BenchmarksFile = { quick, machine, results, details };

  await writeReport(file);
  return file;
}

/** docs/benchmarks.json, docs/bench/*.svg and docs/benchmarks.md (keeping its hand-written section). */
export async function writeReport(file: BenchmarksFile): Promise<void> {
  const docs = path.join(repoRoot, 'docs');
  await mkdir(path.join(docs, 'bench'), { recursive: true });
  await writeFile(path.join(docs, 'benchmarks.json'), `${JSON.stringify(file, null, 2)}\n`);
  const charts = buildCharts(file);
  for (const chart of charts) await writeFile(path.join(docs, 'bench', chart.file), chart.svg);
  const reportPath = path.join(docs, 'benchmarks.md');
  const previous = await readFile(reportPath, 'utf8').catch(() => null);
  await writeFile(reportPath, renderReport(file, charts, handWrittenSection(previous)));
  console.log(
    `\nwrote docs/benchmarks.md, docs/benchmarks.json and ${charts.length} charts in docs/bench/`,
  );
}

/** `npm run bench -- report`: the report again from docs/benchmarks.json (after editing the notes, or the writer). */
export async function rewriteReport(): Promise<void> {
  const file = JSON.parse(
    await readFile(path.join(repoRoot, 'docs', 'benchmarks.json'), 'utf8'),
  ) as BenchmarksFile;
  await writeReport(file);
}
