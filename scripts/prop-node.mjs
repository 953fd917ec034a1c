// prop-node: issue 18's steps of benchRun in Node's V8 (the engine of Chromium) timed by the
// process's CPU clock, several wasm builds side by side in one process, in turns:
//   node scripts/prop-node.mjs ROUNDS FILE PKG_DIR... 
// PKG_DIR holds a wasm-bindgen `--target web` build of the workbook module (cohort_workbook.js
// and cohort_workbook_bg.wasm). benchRun times its steps with `performance.now()`, replaced here
// by process.cpuUsage() (user + system, ms), which the load of a shared machine inflates less than
// the wall clock. One warm-up run per build, then ROUNDS rounds (builds in turn, the order
// alternating); prints each run, then per build min / median of propensity_ms, km_cox_trt_ms,
// their ratio per round, and the other steps.
// With PROP_SPECS=1, instead: each build's Session runs the propensity and the plain spec in turn
// (ROUNDS each) and prints min / median of each (the `run` call, report JSON included).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [rounds = '10', file, ...pkgs] = process.argv.slice(2);
if (!file || pkgs.length === 0) {
  console.error('usage: node scripts/prop-node.mjs ROUNDS FILE PKG_DIR...');
  process.exit(2);
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
globalThis.performance = { now: cpu };
const bytes = new Uint8Array(fs.readFileSync(file));
const mods = [];
for (const dir of pkgs) {
  const mod = await import(pathToFileURL(path.resolve(dir, 'cohort_workbook.js')).href);
  await mod.default({ module_or_path: fs.readFileSync(path.resolve(dir, 'cohort_workbook_bg.wasm')) });
  mods.push(mod);
}
const median = (v) => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const KEYS = ['propensity_ms', 'km_cox_trt_ms', 'ratio', 'cox_ms', 'km_logrank_ms', 'parse_ms', 'cox_split_ms'];
const runs = pkgs.map(() => []);
if (process.env.PROP_SPECS === '1') {
  const ev = '"event":{"column":"status","event":["1"],"censored":["0","2"]}';
  const plain = `{"time":"time",${ev},"group":"trt","covariates":["trt"]}`;
  const ps = `{"time":"time",${ev},"group":"trt","propensity":{"treatment":"trt","covariates":["x1","x2","x3"],"estimand":"ATE","stabilize":true}}`;
  const sessions = mods.map((m) => {
    const s = new m.Session();
    s.load(bytes, 'synth.csv');
    return s;
  });
  const out = pkgs.map(() => ({ ps: [], plain: [] }));
  for (let r = -1; r < Number(rounds); r++) {
    const order = r % 2 ? [...sessions.keys()] : [...sessions.keys()].reverse();
    for (const b of order) {
      for (const [k, spec] of [['ps', ps], ['plain', plain]]) {
        const a = cpu();
        const j = sessions[b].run(spec, 0);
        const t = cpu() - a;
        sessions[b].release(JSON.parse(j).handle);
        if (r >= 0) out[b][k].push(t);
      }
    }
  }
  pkgs.forEach((p, b) => {
    const f = (v) => `${Math.min(...v).toFixed(1)} / ${median(v).toFixed(1)}`;
    console.log(`${p}: propensity ${f(out[b].ps)}  plain ${f(out[b].plain)}  (min / median CPU ms, ${rounds} rounds)`);
  });
  process.exit(0);
}
for (let r = -1; r < Number(rounds); r++) {
  const order = r % 2 ? [...mods.keys()] : [...mods.keys()].reverse();
  for (const b of order) {
    const t = JSON.parse(mods[b].benchRun(bytes, 0));
    t.ratio = t.propensity_ms / t.km_cox_trt_ms;
    if (r < 0) continue;
    runs[b].push(t);
    console.log(JSON.stringify({ round: r, build: b, load: os.loadavg()[0].toFixed(1), ...Object.fromEntries(KEYS.map((k) => [k, +t[k].toFixed(2)])) }));
  }
}
pkgs.forEach((p, b) => {
  const parts = KEYS.map((k) => {
    const v = runs[b].map((t) => t[k]);
    return `${k.replace('_ms', '')} ${Math.min(...v).toFixed(k === 'ratio' ? 3 : 1)} / ${median(v).toFixed(k === 'ratio' ? 3 : 1)}`;
  });
  console.log(`${p}: ${parts.join('  ')}`);
});
// Paired by round (each build against the first in the same round): the median difference.
for (let b = 1; b < pkgs.length; b++) {
  const parts = ['propensity_ms', 'km_cox_trt_ms', 'ratio'].map((k) => {
    const d = runs[b].map((t, r) => t[k] - runs[0][r][k]);
    return `${k.replace('_ms', '')} ${median(d) >= 0 ? '+' : ''}${median(d).toFixed(k === 'ratio' ? 3 : 1)}`;
  });
  console.log(`${pkgs[b]} - ${pkgs[0]}, median of the rounds' differences: ${parts.join('  ')}`);
}
console.log(`load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
