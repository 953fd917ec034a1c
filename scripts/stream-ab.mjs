// stream-ab: the page's streamed parse (www/read.js streamIntoSession → Session.stream_*) of a
// bench file in headless Chromium, two dist/ builds in turns, each in a fresh page:
//   node scripts/stream-ab.mjs DIST_A DIST_B [ROUNDS=3] [ROWS=1000000] [--read] [--whole]
// Per run: the streamed parse (ms, as scripts/bench.mjs's stream block), the time inside the
// engine's stream calls (stream_buffer/commit: the records; stream_end: the end of the read and
// the schema), the wasm memory after it (× the file). --read also times reading the File alone
// (file.stream(), no engine); --whole also times the whole-buffer Session.load of the same bytes
// (parse + schema, bytes already in memory) in another fresh page. Also the CPU time of the
// browser's threads during the streamed run (from /proc): in all, and of its busiest thread
// (the page's, which parses): on a loaded machine the CPU times are steadier than the wall clock.
// --warm first runs the engine's idle warm-up in the page (src/wasm/warm.rs `warmUp`, as the
// page's worker does before a file is dropped; its time and memory are printed apart and not
// counted in the CPU times); a build without `warmUp` runs cold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flags = new Set(args.filter(a => a.startsWith('--')));
const [a, b, rounds = '3', rows = '1000000'] = args.filter(a => !a.startsWith('--'));
const site = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-ab-'));
fs.symlinkSync(path.resolve(a), path.join(site, 'A'));
fs.symlinkSync(path.resolve(b), path.join(site, 'B'));
fs.symlinkSync(path.join(ROOT, 'bench', 'out'), path.join(site, 'data'));
fs.writeFileSync(path.join(site, 'blank.html'), '<!doctype html><title>ab</title><input type="file" id="file">');
const file = path.join(ROOT, 'bench', 'out', `synth-${rows}.csv`);
const size = fs.statSync(file).size;
const server = await serve({ dir: site, port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const all = { A: [], B: [] };
// CPU time of every thread of this script's browser (the process tree under this node process):
// {tid: ms}. The page's main thread, which runs the stream here, is the one with the most.
const TICK = 10; // ms per clock tick (USER_HZ 100)
function threads() {
  const procs = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { procs.set(+d, +fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]); } catch { /* gone */ }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of procs) if (!mine.has(pid) && mine.has(ppid)) { mine.add(pid); grew = true; }
  }
  const out = new Map();
  for (const pid of mine) {
    if (pid === process.pid) continue;
    let tids = [];
    try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const t of tids) {
      try {
        const f = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
        out.set(`${pid}/${t}`, (+f[11] + +f[12]) * TICK);
      } catch { /* gone */ }
    }
  }
  return out;
}
function cpuSince(before) {
  const after = threads();
  let total = 0, top = 0;
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    total += d;
    top = Math.max(top, d);
  }
  return { cpu_total_ms: total, cpu_top_thread_ms: top };
}
const median = xs => [...xs].sort((x, y) => x - y)[xs.length >> 1];
for (let r = 0; r < Number(rounds); r++) {
  // A first in even rounds, B first in odd ones (neither always runs after the other).
  for (const which of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const page = await browser.newPage();
    await page.goto(server.url + 'blank.html');
    await page.setInputFiles('#file', file);
    const warmUp = !flags.has('--warm') ? undefined : await page.evaluate(async which => {
      const text = await (await fetch(`./${which}/www/warm.js`)).text();
      const num = name => Number(new RegExp(`export const ${name} = (\\d+)`).exec(text)?.[1]);
      const mod = await import(`./${which}/www/pkg/cohort.js`);
      const wasm = await mod.default();
      if (typeof mod.warmUp !== 'function') return null;
      const t0 = performance.now();
      for (let step = 0; step >= 0;) {
        step = mod.warmUp(step, num('WARM_ROWS'), num('WARM_REPS'));
        await new Promise(r => setTimeout(r, 0));
      }
      const out = { warm_ms: Math.round(performance.now() - t0), warm_mem_mb: Math.round(wasm.memory.buffer.byteLength / 1e6) };
      await new Promise(r => setTimeout(r, 300));
      return out;
    }, which);
    const cpu0 = threads();
    const out = await page.evaluate(async ([which, readOnly]) => {
      const file = document.querySelector('#file').files[0];
      let read_ms = null;
      if (readOnly) {
        const r0 = performance.now();
        const reader = file.stream().getReader();
        let n = 0, chunks = 0;
        for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.length; chunks++; }
        read_ms = performance.now() - r0;
      }
      // The page's engine worker starts the file reader as it loads (www/read.js).
      const read = await import(`./${which}/www/read.js`);
      const { streamIntoSession } = read;
      read.startFileReader?.();
      const mod = await import(`./${which}/www/pkg/cohort.js`);
      const wasm = await mod.default();
      const session = new mod.Session();
      // Time the engine's own calls (the rest is reading the File and JS copies).
      const inside = { commit: 0, end: 0, commits: 0 };
      const wrap = (name, key) => {
        const f = session[name].bind(session);
        session[name] = (...xs) => { const t = performance.now(); try { return f(...xs); } finally { inside[key] += performance.now() - t; if (key === 'commit') inside.commits++; } };
      };
      wrap('stream_buffer', 'commit');
      wrap('stream_commit', 'commit');
      wrap('stream_push', 'commit');
      wrap('stream_end', 'end');
      const t0 = performance.now();
      const schema = JSON.parse(await streamIntoSession(session, file, file.name, () => {}, null, null, wasm.memory));
      const t1 = performance.now();
      return { rows: schema.rows, stream_ms: Math.round(t1 - t0), records_ms: Math.round(inside.commit), end_ms: Math.round(inside.end),
        calls: inside.commits, outside_ms: Math.round(t1 - t0 - inside.commit - inside.end), read_ms: read_ms && Math.round(read_ms),
        mem: wasm.memory.buffer.byteLength };
    }, [which, flags.has('--read')]);
    Object.assign(out, cpuSince(cpu0));
    if (warmUp !== undefined) Object.assign(out, warmUp ?? { warm_ms: null });
    out.mem_x = +(out.mem / size).toFixed(3);
    delete out.mem;
    await page.close();
    if (flags.has('--whole')) {
      const p2 = await browser.newPage();
      await p2.goto(server.url + 'blank.html');
      out.whole_load_ms = await p2.evaluate(async ([which, rows]) => {
        const mod = await import(`./${which}/www/pkg/cohort.js`);
        await mod.default();
        const bytes = new Uint8Array(await (await fetch(`./data/synth-${rows}.csv`)).arrayBuffer());
        const session = new mod.Session();
        const t0 = performance.now();
        session.load(bytes, 'synth.csv');
        return Math.round(performance.now() - t0);
      }, [which, rows]);
      await p2.close();
    }
    all[which].push(out);
    console.log(JSON.stringify({ round: r, which, load: os.loadavg()[0].toFixed(1), ...out }));
  }
}
for (const w of ['A', 'B']) {
  const keys = Object.keys(all[w][0]).filter(k => typeof all[w][0][k] === 'number');
  console.log(w, 'medians', JSON.stringify(Object.fromEntries(keys.map(k => [k, median(all[w].map(o => o[k]))]))));
}
await browser.close();
server.close?.();
process.exit(0);
