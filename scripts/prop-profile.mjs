// prop-profile: where issue 18's weighted analysis spends its time in wasm (Node's V8).
//   node --cpu-prof --cpu-prof-dir=DIR --cpu-prof-interval 100 scripts/prop-profile.mjs PKG_DIR FILE [RUNS=20]
//   node scripts/prop-profile.mjs --report DIR/X.cpuprofile [TOP=40] [FILTER]
// PKG_DIR: a wasm-bindgen `--target web` build of the workbook module WITHOUT
// `--remove-name-section` (so the profile names the Rust functions). The first form loads the
// file into a Session and runs the propensity spec (ATE stabilised, x1..x3, weighted KM + Cox of
// trt) and the unweighted spec in turn RUNS times (after two warm-up pairs). The second prints
// the profile's functions by self time and by total time (a function's samples counted once per
// sample however deep it recurses), optionally only those whose name contains FILTER.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args[0] === '--report') {
  const prof = JSON.parse(fs.readFileSync(args[1], 'utf8'));
  const top = Number(args[2] || 40);
  const filter = args[3] || '';
  // PROF_UNDER=NAME: only the samples with a function whose name contains NAME on the stack.
  const under = process.env.PROF_UNDER || '';
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const dt = new Map();
  prof.samples.forEach((id, k) => dt.set(id, (dt.get(id) || 0) + (prof.timeDeltas[k] || 0)));
  const self = new Map();
  const total = new Map();
  let all = 0;
  const name = (n) => n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`;
  const inside = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (name(byId.get(cur)).includes(under)) return true;
    return false;
  };
  for (const [id, t] of dt) {
    if (under && !inside(id)) continue;
    all += t;
    self.set(name(byId.get(id)), (self.get(name(byId.get(id))) || 0) + t);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const nm = name(byId.get(cur));
      if (seen.has(nm)) continue;
      seen.add(nm);
      total.set(nm, (total.get(nm) || 0) + t);
    }
  }
  const show = (m, what) => {
    console.log(`${what} (ms of ${(all / 1000).toFixed(0)} ms sampled)`);
    [...m].filter(([k]) => k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)
      .forEach(([k, t]) => console.log(`${(t / 1000).toFixed(1).padStart(9)}  ${k}`));
  };
  show(self, 'self');
  show(total, 'total');
  process.exit(0);
}
const [dir, file, runs = '20'] = args;
const mod = await import(pathToFileURL(path.resolve(dir, 'cohort_workbook.js')).href);
await mod.default({ module_or_path: fs.readFileSync(path.resolve(dir, 'cohort_workbook_bg.wasm')) });
const s = new mod.Session();
s.load(new Uint8Array(fs.readFileSync(file)), 'synth.csv');
const ev = '"event":{"column":"status","event":["1"],"censored":["0","2"]}';
const plain = `{"time":"time",${ev},"group":"trt","covariates":["trt"]}`;
const ps = `{"time":"time",${ev},"group":"trt","propensity":{"treatment":"trt","covariates":["x1","x2","x3"],"estimand":"ATE","stabilize":true}}`;
for (let r = 0; r < Number(runs) + 2; r++) {
  for (const spec of [ps, plain]) s.release(JSON.parse(s.run(spec, 0)).handle);
}
