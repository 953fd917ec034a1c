#!/usr/bin/env node
// The page's streamed parse (Session.stream_begin / stream_push / stream_end, src/ingest/stream.rs)
// timed in Node's V8 on a built wasm engine, without a browser: the file is read in chunks of
// CHUNK bytes (fs, as file.stream() delivers them) and pushed one by one, streamed again when the
// engine asks. Prints each run's time, the median and the wasm memory after the parse
// (issue 19 item 1; the page's own figures come from scripts/bench.mjs --stream-sizes).
//
//   node scripts/stream-node.mjs FILE [PKG_DIR=dist/www/pkg] [CHUNK=65536] [RUNS=3] [batch|push]
// (batch: chunks read straight into the engine's room, stream_buffer/stream_commit, as
// www/read.js does when it has the memory; push: stream_push per chunk; an engine without
// stream_buffer is always pushed to.)
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, pkgDir = 'dist/www/pkg', chunkArg = '65536', runsArg = '3', mode = 'batch'] = process.argv.slice(2);
if (!file) { console.error('usage: node scripts/stream-node.mjs FILE [PKG_DIR] [CHUNK] [RUNS]'); process.exit(2); }
const chunk = Number(chunkArg), runs = Number(runsArg);
const size = fs.statSync(file).size;
const times = [], cpus = [], endCpus = [];
for (let run = 0; run < runs; run++) {
  // A fresh instance per run: wasm memory never shrinks, so its size after the parse is this
  // file's peak.
  if (!globalThis.M) { globalThis.M = await import(pathToFileURL(path.resolve(pkgDir, 'cohort.js')).href); globalThis.W = M.initSync({ module: fs.readFileSync(path.resolve(pkgDir, 'cohort_bg.wasm')) }); }
  const mod = M, wasm = W;
  const session = new mod.Session();
  const batched = mode !== 'push' && typeof session.stream_buffer === 'function';
  const buf = Buffer.allocUnsafe(chunk);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let out, pushMs = 0, endMs = 0, endCpu = 0;
  session.stream_begin(path.basename(file), size, undefined);
  for (let pass = 1; ; pass++) {
    const fd = fs.openSync(file, 'r');
    for (;;) {
      if (batched) {
        // As www/read.js: the bytes go straight into the room the engine makes (stream_buffer),
        // committed a batch at a time.
        const p0 = performance.now();
        const at = session.stream_buffer(chunk);
        const n = fs.readSync(fd, new Uint8Array(wasm.memory.buffer, at, chunk), 0, chunk, null);
        session.stream_commit(n);
        pushMs += performance.now() - p0;
        if (n === 0) break;
        continue;
      }
      const n = fs.readSync(fd, buf, 0, chunk, null);
      if (n === 0) break;
      const p0 = performance.now();
      session.stream_push(buf.subarray(0, n));
      pushMs += performance.now() - p0;
    }
    fs.closeSync(fd);
    const e0 = performance.now();
    const ec0 = process.cpuUsage();
    out = session.stream_end();
    endMs += performance.now() - e0;
    const ec = process.cpuUsage(ec0);
    endCpu += (ec.user + ec.system) / 1e3;
    if (out !== 'again') break;
  }
  const dt = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1e3;
  times.push(dt);
  cpus.push(cpuMs);
  endCpus.push(endCpu);
  const schema = JSON.parse(out);
  console.log(`run ${run}: ${dt.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (system ${(cpu.system / 1e3).toFixed(0)} ms; stream_push ${pushMs.toFixed(0)} ms, stream_end ${endMs.toFixed(0)} ms wall, ${endCpu.toFixed(0)} ms CPU), ${schema.rows} rows, wasm memory ${(wasm.memory.buffer.byteLength / 1e6).toFixed(0)} MB = ${(wasm.memory.buffer.byteLength / size).toFixed(2)}× the file`);
  session.free();
}
times.sort((a, b) => a - b);
cpus.sort((a, b) => a - b);
endCpus.sort((a, b) => a - b);
console.log(`median ${times[times.length >> 1].toFixed(0)} ms wall, ${cpus[cpus.length >> 1].toFixed(0)} ms CPU (stream_end ${endCpus[endCpus.length >> 1].toFixed(0)} ms CPU) over ${runs} runs, ${(size / 1e6).toFixed(0)} MB in chunks of ${chunk} bytes`);
