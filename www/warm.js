// The engine's warm-up while the page is idle (issue 19 item 5). V8 runs a wasm function first
// as baseline code and compiles it with its optimising tier only after it has run a while; a
// call already running stays in the baseline code. So the first analysis of a large file would
// run each one-pass function's whole pass as baseline code (1M rows: KM + log-rank 109 ms
// instead of 30 ms). Once the page has shown its first analysis (the demo) and drawn the figure
// ahead (www/figure.js `planAhead`), the engine's worker runs a small synthetic cohort — made in
// the engine, no user data, no request — through the steps a dropped file takes (src/wasm/warm.rs
// `warmUp`): the streamed and the small-file parse, the schema, Kaplan–Meier + log-rank by group,
// Cox with ten covariates, the figure.
//
// It never delays the user: each step (a few ms) is a message of its own, sent only after the
// previous one is answered, so a message from the page (a dropped file, a toggle) is served
// before the next step; a file load in the worker abandons the rest (www/ops.js); it is not a
// call of the page's queue (`cohort.idle()` never waits for it); its session is the engine's
// own and is freed at the end. An error ends it silently (the user's analyses are apart); a
// panic restarts the engine as any operation's does.

import { figureAhead } from './figure.js';

/** The synthetic cohort's rows and how many times each analysis runs on it (measured: see README "Benchmark"). */
export const WARM_ROWS = 20000;
export const WARM_REPS = 10;

/** How long the page must have been quiet (no figure being drawn ahead) before the warm-up starts (ms). */
const QUIET_MS = 300;

const status = { state: 'waiting', startedAt: null, steps: 0, ms: 0, workerMs: 0, longestMs: 0, memory: 0 };

const pause = ms => new Promise(r => setTimeout(r, ms));
const idle = () => new Promise(r => (globalThis.requestIdleCallback ? requestIdleCallback(() => r(), { timeout: 1000 }) : setTimeout(r, 0)));

/**
 * Start the warm-up once `api.ready` has settled, the page's queue is idle and the figure drawn
 * ahead is done; `engineOf()` is the page's engine (the warm-up runs only in a worker engine).
 * Adds `api.warmUp()`: {state: 'waiting' | 'running' | 'done' | 'abandoned' | 'failed' |
 * 'skipped', startedAt (performance.now() of its first step), steps, ms (wall clock from the
 * first step to the last answer), workerMs and longestMs (the steps' own time in the worker: in
 * all, and the longest), memory (the engine's wasm memory after it, bytes)}.
 */
export function startWarmUp(api, engineOf) {
  api.warmUp = () => ({ ...status });
  run(api, engineOf).catch(() => { status.state = 'failed'; });
}

async function run(api, engineOf) {
  await Promise.resolve(api.ready).catch(() => {});
  // Quiet: the page's queue idle and nothing drawn ahead, for QUIET_MS in a row.
  for (let quiet = 0; quiet < 2;) {
    await api.idle();
    const a = figureAhead();
    quiet = a.planned || a.drawing ? 0 : quiet + 1;
    await pause(QUIET_MS / 2);
  }
  await idle();
  const engine = engineOf();
  if (!engine || engine.inProcess) { status.state = 'skipped'; return; }
  status.state = 'running';
  const t0 = status.startedAt = performance.now();
  let step = 0;
  while (step >= 0) {
    // A restarted engine or another build (a workbook dropped) is a new worker: stop.
    if (engineOf() !== engine || engine.build !== 'core') { status.state = 'abandoned'; break; }
    let answer;
    try {
      answer = await engine.request('warmUp', { step, rows: WARM_ROWS, reps: WARM_REPS });
    } catch {
      status.state = 'failed';
      break;
    }
    status.steps += 1;
    status.workerMs += answer.ms;
    status.longestMs = Math.max(status.longestMs, answer.ms);
    status.memory = answer.memory;
    // -1: done, or abandoned in the worker (a file was loaded meanwhile).
    if (answer.next < 0) {
      status.state = answer.abandoned ? 'abandoned' : 'done';
      break;
    }
    step = answer.next;
  }
  status.ms = performance.now() - t0;
}
