/**
 * `npm run bench -- replay`: a 100,000-event run (a lead and 40 subagents,
 * hundreds of turns each, with failures, approvals and workspace commits),
 * stored in a fresh stack's PostgreSQL and opened on its run page in Chromium.
 *  - first screen: from navigating to `/runs/<id>` (live) to the page showing
 *    the run's status, its team tree and its newest events (from the server's
 *    state snapshot, before the log is read). Cold: the first open, when no
 *    snapshot exists yet and the server reduces the whole log once (a run
 *    executed by workers has one: they keep it every 2,000 events); warm: the
 *    opens after;
 *  - open: from navigating to `/runs/<id>?at=<a middle step>` to the replay
 *    showing that step with the whole log loaded (HTTP pages, parsed and
 *    reduced in the browser, checkpoints kept);
 *  - scrub: moving the slider to a random step: the state at that step as the
 *    page computes it (the reducer from the nearest checkpoint, measured in the
 *    page with the User Timing API), and until the page shows that step;
 *  - steps: one step forward or back (→/←), until the page shows it;
 *  - scroll: the live run page's event feed scrolled top to bottom, one step
 *    per animation frame: frame intervals, rows in the DOM, the JS heap.
 * The same state computation in Node (no rendering) is measured beside it.
 */
import { randomUUID } from 'node:crypto';
import { appendEvents, insertRun } from '@flightdeck/db';
import { ReplayIndex, type RunEvent } from '@flightdeck/domain';
import { saveTeam } from '@flightdeck/engine';
import { chromium, type Page } from '@playwright/test';
import { startStack } from '../lib/stack';
import { percentile, round, summarize, table } from './lib/stats';
import { shapeFor, syntheticRun, syntheticTeam } from './lib/synthetic-run';
import type { BenchOptions, BenchResult } from './registry';

const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
};

/**
 * Scrolls the event feed by a fixed distance each animation frame and returns
 * the intervals between frames (what a person sees as smooth or janky) and the
 * most feed rows the DOM held. Without `stepPx`: top to bottom in `frames`
 * frames (dragging the scroll bar through the whole log: every frame shows
 * rows not shown before); with it: that many pixels a frame from the middle
 * (a fast mouse wheel).
 */
async function scrollFrames(
  page: Page,
  frames: number,
  stepPx?: number,
): Promise<{ frames: number[]; maxRows: number }> {
  return page.evaluate(
    async ([count, wheelPx]) => {
      const w = globalThis as unknown as {
        document: {
          querySelector(s: string): { scrollTop: number; scrollHeight: number } | null;
          querySelectorAll(s: string): { length: number };
        };
        requestAnimationFrame(callback: (t: number) => void): number;
      };
      const feed = w.document.querySelector('[data-testid="event-feed-scroll"]');
      if (!feed) throw new Error('no event feed on the page');
      const stepPx = wheelPx ?? Math.max(1, Math.floor(feed.scrollHeight / count));
      feed.scrollTop = wheelPx ? Math.floor(feed.scrollHeight / 2) : 0;
      const intervals: number[] = [];
      let maxRows = 0;
      // A plain loop: tsx names inner functions (`__name`), which the page does not define.
      let last = -1;
      for (let i = 0; i <= count; i++) {
        const t = await new Promise<number>((resolve) => w.requestAnimationFrame(resolve));
        if (last >= 0) intervals.push(t - last);
        last = t;
        maxRows = Math.max(
          maxRows,
          w.document.querySelectorAll('[data-testid="event-row"]').length,
        );
        feed.scrollTop += stepPx;
      }
      return { frames: intervals, maxRows };
    },
    [frames, stepPx] as const,
  );
}

/** The same computation outside a browser: reduce everything once (with checkpoints), then random steps. */
function nodeFigures(events: readonly RunEvent[], samples: number) {
  const started = performance.now();
  const index = new ReplayIndex();
  index.extend(events);
  const indexMs = performance.now() - started;
  if (index.error) throw new Error(`the synthetic log does not reduce: ${index.error}`);
  const scrub: number[] = [];
  for (let i = 0; i < samples; i++) {
    const seq = 1 + Math.floor(Math.random() * events.length);
    const t0 = performance.now();
    index.stateAt(seq);
    scrub.push(performance.now() - t0);
  }
  const step: number[] = [];
  let seq = Math.floor(events.length / 2);
  for (let i = 0; i < samples; i++) {
    seq += i % 3 === 2 ? -1 : 1;
    const t0 = performance.now();
    index.stateAt(seq);
    step.push(performance.now() - t0);
  }
  return { indexMs, scrub, step };
}

/** The few browser globals the in-page steps use (this package is typed for Node). */
interface InPage {
  document: {
    querySelector(selector: string): {
      getAttribute(name: string): string | null;
      dispatchEvent(event: unknown): boolean;
      textContent: string | null;
    } | null;
    querySelectorAll(selector: string): { length: number };
  };
  HTMLInputElement: { prototype: object };
  Event: new (type: string, init: { bubbles: boolean }) => unknown;
  requestAnimationFrame(callback: () => void): number;
  performance: {
    now(): number;
    clearMeasures(name: string): void;
    getEntriesByName(name: string): Array<{ duration: number; detail?: { seq?: number } }>;
  };
}

/** The page's JS heap after a garbage collection, in MB (Chromium's performance.memory). */
async function jsHeapMb(page: Page): Promise<number> {
  const session = await page.context().newCDPSession(page);
  await session.send('HeapProfiler.collectGarbage');
  await session.detach();
  const bytes = await page.evaluate(
    () =>
      (globalThis as unknown as { performance: { memory?: { usedJSHeapSize: number } } })
        .performance.memory?.usedJSHeapSize ?? Number.NaN,
  );
  return Math.round(bytes / 1048576);
}

/** Until the replay shows `seq` (its bar says so) and the browser painted it. */
async function shown(page: Page, seq: number): Promise<void> {
  await page.waitForFunction(
    (target) =>
      (globalThis as unknown as InPage).document
        .querySelector('[data-testid="replay-bar"]')
        ?.getAttribute('data-at') === String(target),
    seq,
    { polling: 'raf', timeout: 60_000 },
  );
}

/** Move the slider to `seq` in the page; returns [state computation ms, until painted ms]. */
async function scrubTo(page: Page, seq: number): Promise<[number, number]> {
  return page.evaluate(async (target) => {
    const w = globalThis as unknown as InPage;
    const slider = w.document.querySelector('[data-testid="replay-slider"]')!;
    const bar = w.document.querySelector('[data-testid="replay-bar"]')!;
    // React tracks the input's value: set it the way typing does, through the native setter.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const setValue = Object.getOwnPropertyDescriptor(w.HTMLInputElement.prototype, 'value')!
      .set as (this: unknown, value: string) => void;
    w.performance.clearMeasures('flightdeck:replay-state');
    const t0 = w.performance.now();
    setValue.call(slider, String(target));
    slider.dispatchEvent(new w.Event('input', { bubbles: true }));
    // (No named helpers in here: tsx would wrap them in a function the page does not have.)
    for (let i = 0; i < 600 && bar.getAttribute('data-at') !== String(target); i++)
      await new Promise<void>((resolve) => w.requestAnimationFrame(resolve));
    await new Promise<void>((resolve) => w.requestAnimationFrame(resolve));
    const painted = w.performance.now() - t0;
    const measures = w.performance
      .getEntriesByName('flightdeck:replay-state')
      .filter((m) => m.detail?.seq === target);
    const compute = measures.length ? Math.max(...measures.map((m) => m.duration)) : Number.NaN;
    return [compute, painted] as [number, number];
  }, seq);
}

export async function replayBench(options: BenchOptions): Promise<BenchResult> {
  const target = options.quick ? 20_000 : 100_000;
  const samples = options.quick ? 30 : 100;
  const stack = await startStack({ label: 'replay_bench', workers: 0, web: true });
  const browser = await chromium.launch(LAUNCH);
  try {
    const team = await saveTeam(stack.engine, { source: syntheticTeam('replay-bench') });
    const runId = randomUUID();
    const events = syntheticRun({
      runId,
      teamId: team.teamId,
      teamName: 'replay-bench',
      ...shapeFor(target),
    });
    const total = events.length;
    console.log(`replay: a run of ${total.toLocaleString('en-US')} events`);

    const node = nodeFigures(events, samples);

    // Stored as any run is: one row, the events appended in batches.
    const loadStarted = performance.now();
    await insertRun(stack.engine.db, {
      id: runId,
      teamId: team.teamId,
      manifestVersion: team.version,
      goal: 'A very long run',
      seed: 1,
    });
    for (let i = 0; i < events.length; i += 5_000) {
      const batch = events
        .slice(i, i + 5_000)
        .map(({ runId: _r, seq: _s, version: _v, ...draft }) => draft);
      await appendEvents(stack.engine.db, runId, batch);
    }
    console.log(`replay: stored in ${Math.round(performance.now() - loadStarted)} ms`);

    const context = await browser.newContext({
      baseURL: stack.baseUrl!,
      viewport: { width: 1600, height: 1000 },
    });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(stack.admin.email);
    await page.getByLabel('Password').fill(stack.admin.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('user-id').waitFor();

    // First screen: the live page, until it shows the run's status, its agents and its newest events.
    const firstScreens: number[] = [];
    const stateAnswers: number[] = [];
    for (let i = 0; i < (options.quick ? 2 : 4); i++) {
      const t0 = performance.now();
      void page
        .waitForResponse(/\/api\/trpc\/runs\.state\b/)
        .then((r) => r.finished())
        .then(
          () => stateAnswers.push(performance.now() - t0),
          () => {},
        );
      await page.goto(`/runs/${runId}`);
      // Checked in the page each frame: its status, its agents and its newest event are shown.
      await page.waitForFunction(
        (lastSeq) => {
          const d = (globalThis as unknown as InPage).document;
          return (
            /completed/i.test(d.querySelector('[data-testid="run-status"]')?.textContent ?? '') &&
            d.querySelectorAll('[data-testid="agent-node"]').length > 1 &&
            d.querySelector(`[data-testid="event-row"][data-seq="${lastSeq}"]`) !== null
          );
        },
        total,
        { polling: 'raf', timeout: 60_000 },
      );
      firstScreens.push(performance.now() - t0);
      if (i === 0)
        await page.screenshot({ path: 'artifacts/replay-bench-first-screen.png' }).catch(() => {});
    }
    // What the page holds on its first screen (its state and newest events, not the log).
    await page.waitForTimeout(2_000);
    const firstScreenHeapMb = await jsHeapMb(page);
    const [firstScreenCold, ...firstScreenWarm] = firstScreens;

    // Open: a cold page at a middle step, until it shows that step with the whole log in.
    const middle = Math.floor(total / 2);
    const opens: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < (options.quick ? 1 : 3); i++) {
      const t0 = performance.now();
      await page.goto(`/runs/${runId}?at=${middle}`);
      await shown(page, middle);
      await page
        .getByTestId('replay-position')
        .filter({ hasText: total.toLocaleString('en-US') })
        .waitFor({ timeout: 120_000 });
      opens.push(performance.now() - t0);
      loads.push(
        await page.evaluate(
          () =>
            (globalThis as unknown as InPage).performance
              .getEntriesByName('flightdeck:history-loaded')
              .at(-1)?.duration ?? Number.NaN,
        ),
      );
    }

    // Scrub: random steps across the whole run.
    const compute: number[] = [];
    const painted: number[] = [];
    for (let i = 0; i < samples; i++) {
      const seq = 1 + Math.floor(Math.random() * total);
      const [c, p] = await scrubTo(page, seq);
      compute.push(c);
      painted.push(p);
    }
    // Steps: one event forward and back, as → and ← do.
    await page.getByTestId('replay-slider').focus();
    const steps: number[] = [];
    for (let i = 0; i < Math.min(samples, 60); i++) {
      const current = Number(await page.getByTestId('replay-bar').getAttribute('data-at'));
      const key = i % 3 === 2 ? 'ArrowLeft' : 'ArrowRight';
      const t0 = performance.now();
      await page.keyboard.press(key);
      await shown(page, current + (key === 'ArrowLeft' ? -1 : 1));
      steps.push(performance.now() - t0);
    }
    // Scroll: the event feed at the end of the run with the whole log read, top to bottom, one
    // step per frame.
    await page.goto(`/runs/${runId}`);
    await page.getByTestId('run-read-log').click();
    await page
      .getByTestId('event-feed')
      .and(page.locator(`[data-count="${total}"]`))
      .waitFor({ timeout: 120_000 });
    const scroll = await scrollFrames(page, options.quick ? 120 : 600);
    const wheel = await scrollFrames(page, options.quick ? 120 : 300, 120);
    const logHeapMb = await jsHeapMb(page);
    await page.screenshot({ path: 'artifacts/replay-bench.png' }).catch(() => undefined);
    await context.close();

    const rows = [
      { figure: 'node: reduce all + checkpoints', ...summarize([node.indexMs]) },
      { figure: 'node: state at a random step', ...summarize(node.scrub) },
      { figure: 'node: one step', ...summarize(node.step) },
      { figure: 'browser: first screen, no snapshot yet', ...summarize([firstScreenCold!]) },
      { figure: 'browser: first screen', ...summarize(firstScreenWarm) },
      { figure: '  of which: until runs.state answered', ...summarize(stateAnswers.slice(1)) },
      { figure: 'browser: open at a middle step', ...summarize(opens) },
      { figure: '  of which: log fetched, parsed, reduced', ...summarize(loads) },
      { figure: 'browser: state at a random step', ...summarize(compute) },
      { figure: 'browser: random step, until painted', ...summarize(painted) },
      { figure: 'browser: one step (key), until painted', ...summarize(steps) },
      { figure: 'browser: feed dragged top to bottom, frame', ...summarize(scroll.frames) },
      { figure: 'browser: feed wheel (120 px/frame), frame', ...summarize(wheel.frames) },
    ];
    console.log(table(rows));
    return {
      events: total,
      scrub_p99_ms: round(percentile(compute, 99)),
      scrub_p50_ms: round(percentile(compute, 50)),
      scrub_painted_p99_ms: round(percentile(painted, 99)),
      step_painted_p99_ms: round(percentile(steps, 99)),
      [options.quick ? 'first_screen_ms' : 'first_screen_100k_ms']: round(
        percentile(firstScreenWarm, 50),
        0,
      ),
      first_screen_cold_ms: round(firstScreenCold!, 0),
      first_screen_js_heap_mb: firstScreenHeapMb,
      [options.quick ? 'open_ms' : 'open_100k_ms']: round(percentile(opens, 50), 0),
      open_history_ms: round(percentile(loads, 50), 0),
      scroll_frame_p50_ms: round(percentile(scroll.frames, 50)),
      scroll_frame_p99_ms: round(percentile(scroll.frames, 99)),
      scroll_frames_over_33ms: scroll.frames.filter((f) => f > 33.4).length,
      scroll_frames: scroll.frames.length,
      wheel_frame_p50_ms: round(percentile(wheel.frames, 50)),
      wheel_frame_p99_ms: round(percentile(wheel.frames, 99)),
      wheel_frames_over_33ms: wheel.frames.filter((f) => f > 33.4).length,
      feed_rows_in_dom_max: scroll.maxRows,
      js_heap_mb: logHeapMb,
      node_scrub_p99_ms: round(percentile(node.scrub, 99)),
      node_index_ms: round(node.indexMs, 0),
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
}
