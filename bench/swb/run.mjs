// Times JSON text (serde_json::to_string in wasm + JSON.parse here: the page's way) against
// serde-wasm-bindgen (Serializer::json_compatible(): a JS object built from wasm) for the report,
// the hover read-out and the schema. Usage: node run.mjs OUT_DIR LUNG_CSV SYNTH_CSV (run.sh).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const [outDir, lungCsv, synthCsv] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { Bench, probe_json, probe_swb } = require(resolve(outDir, "swb.js"));

const cases = [
  ["lung (228 rows)", lungCsv,
    { time: "time", event: { column: "status", event: ["2"] }, group: "sex", covariates: ["age", "ph.ecog"] }],
  ["synth 200000", synthCsv,
    { time: "time", event: { column: "status", event: ["1"] }, group: "group", covariates: ["x1", "x2"] }],
];

const now = () => Number(process.hrtime.bigint()) / 1e3; // µs
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

// Median µs per call over `batches` batches of `per` calls; the two ways alternate batch by
// batch so that load from other processes falls on both.
function compare(fns, batches, per) {
  globalThis.gc?.(); // run.sh passes --expose-gc: the previous case's garbage is not collected here
  const times = fns.map(() => []);
  for (let w = 0; w < Math.max(3, batches / 10); w++) for (const f of fns) for (let i = 0; i < per; i++) f(i);
  for (let b = 0; b < batches; b++) {
    fns.forEach((f, k) => {
      const t0 = now();
      for (let i = 0; i < per; i++) f(i);
      times[k].push((now() - t0) / per);
    });
  }
  return times.map(median);
}

// Where the two values differ (JSON turns NaN/±inf into null; swb keeps them as numbers).
function diff(a, b, path = "", out = []) {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    if (Array.isArray(a) !== Array.isArray(b)) { out.push([path, "array vs object"]); return out; }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a)) out.push([`${path}.${k}`, `missing in JSON, swb ${String(b[k])}`]);
      else if (!(k in b)) out.push([`${path}.${k}`, `JSON ${JSON.stringify(a[k])}, missing in swb`]);
      else diff(a[k], b[k], `${path}.${k}`, out);
    }
  } else if (!Object.is(a, b)) out.push([path, `JSON ${JSON.stringify(a)} vs swb ${String(b)}`]);
  return out;
}

{
  const show = (v) => JSON.stringify(v, (k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x));
  console.log(`NaN, Infinity, None, a map: JSON ${probe_json()} -> JSON.parse ${show(JSON.parse(probe_json()))}; swb ${show(probe_swb())}`);
}

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const rows = [];
for (const [label, file, spec] of cases) {
  const bytes = readFileSync(file);
  const t0 = now();
  const b = new Bench(bytes, file, JSON.stringify(spec));
  console.log(`${label}: read + analyse ${fmt(now() - t0)}, ${b.km_steps()} Kaplan-Meier steps`);
  const tMax = b.t_max();
  const ts = Array.from({ length: 97 }, (_, i) => (tMax * i) / 96);

  const sizes = {
    report: b.report_json().length, hover: b.values_at_json(tMax / 3).length, schema: b.schema_json().length,
  };
  const big = sizes.report > 100_000;
  const plans = [
    ["report", () => JSON.parse(b.report_json()), () => b.report_swb(), () => b.report_json(), big ? 40 : 200, big ? 1 : 20],
    ["hover values", (i) => JSON.parse(b.values_at_json(ts[i % 97])), (i) => b.values_at_swb(ts[i % 97]),
      (i) => b.values_at_json(ts[i % 97]), 200, big ? 20 : 200],
    // The worker engine (www/worker.js): the answer crosses postMessage, JSON text then parsed on
    // the page's side, or the object itself structured-cloned (structuredClone: both halves).
    ["report via postMessage", () => JSON.parse(structuredClone(b.report_json())), () => structuredClone(b.report_swb()),
      () => structuredClone(b.report_json()), big ? 40 : 200, big ? 1 : 20],
    ["schema", () => JSON.parse(b.schema_json()), () => b.schema_swb(), () => b.schema_json(), 200, 100],
  ];
  for (const [what, json, swb, strOnly, batches, per] of plans) {
    const [tj, ts_, tstr] = compare([json, swb, strOnly], batches, per);
    const key = { "hover values": "hover", "report via postMessage": "report" }[what] ?? what;
    rows.push([label, what, sizes[key], tj, tstr, ts_]);
  }

  // What differs between the two values (NaN / None).
  for (const [what, j, s] of [
    ["report", JSON.parse(b.report_json()), b.report_swb()],
    ["hover t=0", JSON.parse(b.values_at_json(0)), b.values_at_swb(0)],
    ["hover t=max/3", JSON.parse(b.values_at_json(tMax / 3)), b.values_at_swb(tMax / 3)],
    ["schema", JSON.parse(b.schema_json()), b.schema_swb()],
  ]) {
    const d = diff(j, s);
    console.log(`  ${what}: ${d.length} differences${d.length ? ":" : ""}`);
    const seen = new Set();
    for (const [p, why] of d) {
      const general = p.replace(/\.\d+/g, ".*");
      if (seen.has(general + why)) continue;
      seen.add(general + why);
      if (seen.size <= 12) console.log(`    ${general}: ${why}`);
    }
  }
  b.free();
}

console.log("\n| data | payload | JSON size | JSON (to_string + JSON.parse) | of which to_string + copy (+ clone) | serde-wasm-bindgen (to_value) | swb / JSON |");
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const [label, what, size, tj, tstr, ts_] of rows) {
  const kb = size >= 1024 ? `${(size / 1024).toFixed(size >= 102400 ? 0 : 1)} KB` : `${size} B`;
  console.log(`| ${label} | ${what} | ${kb} | ${fmt(tj)} | ${fmt(tstr)} | ${fmt(ts_)} | ${(ts_ / tj).toFixed(2)}× |`);
}
console.log(`\nnode ${process.version} (V8 ${process.versions.v8})`);
