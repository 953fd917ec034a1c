// Cox in wasm under Node (V8, the engine of Chromium), two builds of the workbook module side by
// side in one process (README "Benchmark", the coxsimd notes):
//
//   node scripts/cox-wasm.mjs time PKG_A PKG_B [ROUNDS] [FILE.csv]
//     Cox (10 covariates, Efron: benchRun's `cox` step, an analysis of the loaded table) timed
//     by the process's CPU clock (`process.cpuUsage()`, steadier than the wall clock on a loaded
//     machine), A and B in turns after one warm-up each; prints every round and the medians.
//   node scripts/cox-wasm.mjs fits PKG_A PKG_B [ROUNDS] [FILE.csv]
//     The file loaded once into a session of each build, then Cox fits only (the same 10
//     covariates in a rotated order each time, so that the session's model cache never answers;
//     the rows' preparation is cached): A and B in turns, CPU clock, medians.
//   node scripts/cox-wasm.mjs bits PKG_A PKG_B [FILE.csv]
//     The report JSON (every number, shortest round-trip) of a set of Cox specs — Efron and
//     Breslow, strata, a cluster, delayed entry, the cox.zph test, propensity weights with the
//     weighted Cox — from A and from B, compared byte for byte.
//   node scripts/cox-wasm.mjs fresh PKG_A PKG_B [ROUNDS] [FILE.csv]
//     What the first Cox fit in a fresh instance pays for its fresh memory: per round and build,
//     one compiled module, an instance that runs Cox three times on the file (so V8 has tiered
//     the code up: instances of one module share their code), then a new instance of the same
//     module that loads the file, runs KM by group (as benchRun) and Cox twice: the first Cox
//     grows the memory, the second reuses what the first freed. CPU and wall clock, and the
//     wasm memory after each step; A and B in turns.
//   node --cpu-prof scripts/cox-wasm.mjs time PKG PKG 3   (a module built with names: a profile)
//
// PKG_A, PKG_B: directories holding wasm-bindgen's `--target web` output cohort_workbook.js and
// cohort_workbook_bg.wasm (e.g. DIST/www/pkg). Default file: bench/out/synth-1000000.csv.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [mode, pkgA, pkgB, ...rest] = process.argv.slice(2);
if (!['time', 'fits', 'bits', 'fresh'].includes(mode) || !pkgA || !pkgB) {
  console.error('usage: node scripts/cox-wasm.mjs time|fits|bits|fresh PKG_A PKG_B [ROUNDS] [FILE.csv]');
  process.exit(2);
}

async function load(dir) {
  const js = path.resolve(dir, 'cohort_workbook.js');
  const mod = await import(pathToFileURL(js).href + '?' + encodeURIComponent(dir));
  await mod.default({ module_or_path: fs.readFileSync(path.resolve(dir, 'cohort_workbook_bg.wasm')) });
  return mod;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const event = '"event":{"column":"status","event":["1"],"censored":["0","2"]}';
const covs = '["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]';
const coxSpec = `{"time":"time",${event},"covariates":${covs}}`;

let loads = 0;
// A new instance of the glue and the compiled `module` (instances of one module share its code).
async function instance(dir, module) {
  const js = path.resolve(dir, 'cohort_workbook.js');
  const mod = await import(pathToFileURL(js).href + '?' + encodeURIComponent(dir) + '&' + loads++);
  const exports = await mod.default({ module_or_path: module });
  return { mod, memory: exports.memory };
}

if (mode === 'fresh') {
  const rounds = Number(rest[0] || 3);
  const file = rest[1] || path.join(ROOT, 'bench', 'out', 'synth-1000000.csv');
  const bytes = fs.readFileSync(file);
  const kmSpec = `{"time":"time",${event},"group":"group"}`;
  const names = JSON.parse(covs);
  const modules = { A: new WebAssembly.Module(fs.readFileSync(path.resolve(pkgA, 'cohort_workbook_bg.wasm'))), B: new WebAssembly.Module(fs.readFileSync(path.resolve(pkgB, 'cohort_workbook_bg.wasm'))) };
  const dirs = { A: pkgA, B: pkgB };
  const MB = (m) => Math.round(m.buffer.byteLength / 2 ** 20);
  const res = { A: { first: [], second: [] }, B: { first: [], second: [] } };
  let k = 0;
  // A new covariate order (the model cache never answers) and a new `times` (nor the rows'
  // preparation cache): every run prepares the rows and fits, as benchRun's `crate::analyze`.
  const spec = () => {
    k++;
    return `{"time":"time",${event},"times":[${300 + k}],"covariates":${JSON.stringify([...names.slice(k % 10), ...names.slice(0, k % 10)])}}`;
  };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const warm = await instance(dirs[which], modules[which]);
      const ws = new warm.mod.Session();
      ws.load(bytes, 'synth.csv');
      const warmCpu = [];
      for (let i = 0; i < 3; i++) {
        const t0 = cpuMs();
        ws.run(spec(), 0);
        warmCpu.push(+(cpuMs() - t0).toFixed(1));
      }
      ws.free();
      const fresh = await instance(dirs[which], modules[which]);
      const s = new fresh.mod.Session();
      s.load(bytes, 'synth.csv');
      const mem0 = MB(fresh.memory);
      s.run(kmSpec, 0);
      const mem1 = MB(fresh.memory);
      const out = [];
      for (let i = 0; i < 2; i++) {
        const u0 = process.cpuUsage();
        const w0 = performance.now();
        const rep = s.run(spec(), 0);
        if (!rep.includes('"cox"')) throw new Error('no Cox model in the report');
        const u = process.cpuUsage(u0);
        out.push({ cpu: (u.user + u.system) / 1000, sys: u.system / 1000, wall: performance.now() - w0, mem: MB(fresh.memory) });
      }
      s.free();
      res[which].first.push(out[0].cpu);
      res[which].second.push(out[1].cpu);
      console.log(JSON.stringify({ round: r, which, warm_instance_cpu: warmCpu, mem_after_load: mem0, mem_after_km: mem1, first: out[0], second: out[1], load: (await import('node:os')).loadavg()[0].toFixed(2) }, (key, v) => (typeof v === 'number' ? +v.toFixed(1) : v)));
    }
  }
  const m = (v) => +median(v).toFixed(1);
  console.log(JSON.stringify({ median_cpu_ms: { A: { first: m(res.A.first), second: m(res.A.second) }, B: { first: m(res.B.first), second: m(res.B.second) } } }));
  process.exit(0);
}

const A = await load(pkgA);
const B = await load(pkgB);

if (mode === 'time') {
  const rounds = Number(rest[0] || 5);
  const file = rest[1] || path.join(ROOT, 'bench', 'out', 'synth-1000000.csv');
  const bytes = fs.readFileSync(file);
  const run = (mod) => {
    // A fresh session each time: its analysis cache would otherwise return the model.
    const s = new mod.Session();
    s.load(bytes, 'synth.csv');
    const t0 = cpuMs();
    const w0 = performance.now();
    const out = s.run(coxSpec, 0);
    const cpu = cpuMs() - t0;
    const wall = performance.now() - w0;
    if (!out.includes('"cox"')) throw new Error('no Cox model in the report');
    s.free();
    return { cpu, wall };
  };
  run(A);
  run(B);
  const res = { A: [], B: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, mod] of [['A', A], ['B', B]]) {
      const t = run(mod);
      res[name].push(t.cpu);
      console.log(JSON.stringify({ round: r, which: name, cpu_ms: +t.cpu.toFixed(1), wall_ms: +t.wall.toFixed(1), load: (await import('node:os')).loadavg()[0].toFixed(2) }));
    }
  }
  console.log(JSON.stringify({ median_cpu_ms: { A: +median(res.A).toFixed(1), B: +median(res.B).toFixed(1) }, ratio: +(median(res.B) / median(res.A)).toFixed(3) }));
} else if (mode === 'fits') {
  const rounds = Number(rest[0] || 10);
  const file = rest[1] || path.join(ROOT, 'bench', 'out', 'synth-1000000.csv');
  const bytes = fs.readFileSync(file);
  const sessions = { A: new A.Session(), B: new B.Session() };
  for (const s of Object.values(sessions)) s.load(bytes, 'synth.csv');
  const names = JSON.parse(covs);
  const res = { A: [], B: [] };
  for (let r = -1; r < rounds; r++) {
    const k = (r + 10) % 10;
    const spec = `{"time":"time",${event},"covariates":${JSON.stringify([...names.slice(k), ...names.slice(0, k)])}}`;
    for (const which of r % 2 ? ['A', 'B'] : ['B', 'A']) {
      const t0 = cpuMs();
      const out = sessions[which].run(spec, 0);
      const cpu = cpuMs() - t0;
      if (!out.includes('"cox"')) throw new Error('no Cox model in the report');
      if (r >= 0) res[which].push(cpu);
    }
    if (r >= 0) console.log(JSON.stringify({ round: r, A: +res.A[r].toFixed(1), B: +res.B[r].toFixed(1), load: (await import('node:os')).loadavg()[0].toFixed(2) }));
  }
  console.log(JSON.stringify({ median_cpu_ms: { A: +median(res.A).toFixed(1), B: +median(res.B).toFixed(1) }, ratio: +(median(res.B) / median(res.A)).toFixed(3) }));
} else {
  const files = rest.length ? rest : [path.join(ROOT, 'bench', 'out', 'synth-10000.csv'), path.join(ROOT, 'bench', 'out', 'synth-100000.csv')];
  const specs = [
    coxSpec,
    `{"time":"time",${event},"covariates":${covs},"ties":"breslow"}`,
    `{"time":"time",${event},"covariates":["x1","x2","x3","x4","x5"],"strata":"group","ph_residuals":true}`,
    `{"time":"time",${event},"covariates":["x2","x3","x4","x5","x6","x7","x8"],"cluster":"group","ties":"breslow"}`,
    `{"time":"time",${event},"covariates":${covs},"entry":"entry","ph_residuals":true}`,
    `{"time":"time",${event},"covariates":["x1","x2","x3"],"ph_residuals":true}`,
    `{"time":"time",${event},"group":"trt","propensity":{"treatment":"trt","covariates":["x1","x2","x3"],"estimand":"ATE","stabilize":true}}`,
    `{"time":"time",${event},"group":"group","covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9"],"univariable":["x1","x2"]}`,
  ];
  let same = 0;
  let differ = 0;
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    for (const spec of specs) {
      const a = A.analyze(bytes, 'synth.csv', spec);
      const b = B.analyze(bytes, 'synth.csv', spec);
      const hasCox = a.includes('"cox"');
      if (a === b) same++;
      else differ++;
      console.log(`${a === b ? 'same  ' : 'DIFFER'} ${path.basename(file)} ${a.length} bytes${hasCox ? '' : ' (no cox section!)'} ${spec}`);
    }
  }
  console.log(`${same} identical, ${differ} different`);
  process.exit(differ ? 1 : 0);
}
