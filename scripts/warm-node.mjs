// The idle warm-up (src/wasm/warm.rs `warmUp`, www/warm.js) measured in V8 under Node: each run a
// fresh process (fresh compiled code, as a fresh page), which loads the workbook module and calls
// `benchRun` on the bench's file (parse, KM + log-rank by group, Cox of 10 covariates) — first
// cold, or after the warm-up's steps (as the page's worker runs them, one task each) — then once
// more (the tiered-up figure). Timed by the process's CPU clock (benchRun's clock replaced).
//
//   node scripts/warm-node.mjs PKG ROUNDS ROWS[,ROWS...] REPS [FILE.csv] [-- V8 FLAGS]
//     For each round, in turns: one process cold ("0 rows") and one per warm-up size ROWS (×
//     REPS analyses each); prints each run's parse / km / cox (ms, benchRun's own clock) for the
//     first and second call, the warm-up's time and the wasm memory after it, and the medians.
//     Chromium's V8 counts a larger tiering budget than Node 20's (13,000,000 against
//     1,800,000): pass `-- --wasm-tiering-budget=13000000` to mimic it; add
//     `--wasm-sync-tier-up` to compile each function as it turns hot (the figures then do not
//     depend on whether the background compiles finished in the pause after the warm-up).
//   node scripts/warm-node.mjs --one PKG ROWS REPS FILE   (one run; what the driver spawns)
//
// PKG: a directory with wasm-bindgen's `--target web` output cohort_workbook.js and
// cohort_workbook_bg.wasm (e.g. DIST/www/pkg).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = v => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (argv[0] === '--one') {
  const [, pkg, rows, reps, file] = argv;
  const mod = await import(pathToFileURL(path.resolve(pkg, 'cohort_workbook.js')).href);
  const wasm = await mod.default({ module_or_path: fs.readFileSync(path.resolve(pkg, 'cohort_workbook_bg.wasm')) });
  const bytes = fs.readFileSync(file);
  const out = { rows: Number(rows), reps: Number(reps) };
  if (Number(rows) > 0) {
    // As the page's worker: one step per task.
    const t0 = performance.now();
    const c0 = cpuMs();
    let steps = 0;
    let worst = 0;
    for (let step = 0; step >= 0; steps++) {
      const a = performance.now();
      step = mod.warmUp(step, Number(rows), Number(reps));
      worst = Math.max(worst, performance.now() - a);
      await new Promise(r => setImmediate(r));
    }
    out.warm_ms = performance.now() - t0;
    out.warm_cpu_ms = cpuMs() - c0;
    out.steps = steps;
    out.longest_step_ms = worst;
    out.memory_mb = wasm.memory.buffer.byteLength / 1e6;
    // The page is idle a moment after the warm-up (the optimising compiles finish meanwhile):
    // WARM_PAUSE ms (default 300; longer on a loaded machine, where they wait for a core).
    await new Promise(r => setTimeout(r, Number(process.env.WARM_PAUSE || 300)));
  }
  // WARM_PREGROW=MB (an experiment, not what the page does): grow the wasm memory to MB and
  // touch it first, to tell the cost of fresh memory from that of baseline code.
  if (process.env.WARM_PREGROW) {
    const want = Number(process.env.WARM_PREGROW) * 1e6;
    const have = wasm.memory.buffer.byteLength;
    if (want > have) wasm.memory.grow(Math.ceil((want - have) / 65536));
    new Uint8Array(wasm.memory.buffer, have).fill(0);
  }
  // benchRun reads the page's clock (performance.now): here the process's CPU clock, steadier
  // than the wall clock on a shared machine.
  Object.defineProperty(globalThis, 'performance', { value: { now: cpuMs }, configurable: true, writable: true });
  for (const call of ['first', 'second']) {
    const t = JSON.parse(mod.benchRun(bytes, 0));
    out[call] = [t.parse_ms, t.km_logrank_ms, t.cox_ms].map(x => Math.round(x));
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const sep = argv.indexOf('--');
const v8flags = sep >= 0 ? argv.slice(sep + 1) : [];
const [pkg, rounds = '3', sizes = '0,20000', reps = '3', file = path.join(ROOT, 'bench', 'out', 'synth-1000000.csv')] = sep >= 0 ? argv.slice(0, sep) : argv;
const runs = new Map();
for (let r = 0; r < Number(rounds); r++) {
  for (const rows of sizes.split(',')) {
    const p = spawnSync(process.execPath, [...v8flags, fileURLToPath(import.meta.url), '--one', pkg, rows, rows === '0' ? '0' : reps, file], { encoding: 'utf8' });
    if (p.status !== 0) { console.error(p.stderr); process.exit(1); }
    const o = JSON.parse(p.stdout.trim().split('\n').pop());
    console.log(JSON.stringify({ round: r, load: os.loadavg()[0].toFixed(1), ...o }));
    if (!runs.has(rows)) runs.set(rows, []);
    runs.get(rows).push(o);
  }
}
console.log('medians (parse / km / cox ms; first call, second call):');
for (const [rows, v] of runs) {
  const m = (call, i) => median(v.map(o => o[call][i]));
  const warm = rows === '0' ? 'cold' : `after the warm-up (${rows} rows × ${reps}: ${median(v.map(o => o.warm_ms)).toFixed(0)} ms, ${median(v.map(o => o.memory_mb)).toFixed(0)} MB)`;
  console.log(`  ${warm}: first ${m('first', 0)} / ${m('first', 1)} / ${m('first', 2)}; second ${m('second', 0)} / ${m('second', 1)} / ${m('second', 2)}`);
}
