// Where the first call after the warm-up still loses time against the second (V8 under Node,
// a module built with names): node --wasm-tiering-budget=13000000 scripts/warm-profile.mjs PKG ROWS REPS [FILE]
// Profiles the first and the second benchRun after the warm-up (inspector Profiler) and prints
// the functions whose self time differs most.
import fs from 'node:fs';
import path from 'node:path';
import inspector from 'node:inspector/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [pkg, rows = '20000', reps = '10', file = path.join(ROOT, 'bench', 'out', 'synth-1000000.csv')] = process.argv.slice(2);
const mod = await import(pathToFileURL(path.resolve(pkg, 'cohort_workbook.js')).href);
await mod.default({ module_or_path: fs.readFileSync(path.resolve(pkg, 'cohort_workbook_bg.wasm')) });
const bytes = fs.readFileSync(file);
for (let step = 0; step >= 0 && Number(rows) > 0;) { step = mod.warmUp(step, Number(rows), Number(reps)); await new Promise(r => setImmediate(r)); }
await new Promise(r => setTimeout(r, Number(process.env.WARM_PAUSE || 3000)));
const session = new inspector.Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const selfTimes = async () => {
  await session.post('Profiler.start');
  const t = JSON.parse(mod.benchRun(bytes, 0));
  const { profile } = await session.post('Profiler.stop');
  const dt = new Map();
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const k = n.callFrame.functionName || n.callFrame.url;
    dt.set(k, (dt.get(k) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  }
  return { t: [t.parse_ms, t.km_logrank_ms, t.cox_ms].map(Math.round), dt };
};
const a = await selfTimes();
const b = await selfTimes();
console.log('first', a.t, 'second', b.t);
const keys = [...new Set([...a.dt.keys(), ...b.dt.keys()])];
const rowsOut = keys.map(k => [k, a.dt.get(k) || 0, b.dt.get(k) || 0]).sort((x, y) => (y[1] - y[2]) - (x[1] - x[2]));
for (const [k, x, y] of rowsOut.slice(0, 25)) console.log(`${(x - y).toFixed(1).padStart(8)} ms  first ${x.toFixed(1).padStart(7)}  second ${y.toFixed(1).padStart(7)}  ${k.slice(0, 110)}`);
process.exit(0);
