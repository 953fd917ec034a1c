// Where the time of the page's toggles goes at 10k rows (issue 19 item 5): the confidence-band
// checkbox (redraw) and a covariate tick in the model panel (refit + redraw). For each toggle:
// the time until the first message to the engine's worker (page JS before), each engine
// operation's round trip (op, sent → answered, answer size), and the time after the last answer
// until the page is idle (page JS after: bitmap, tables, DOM). With --profile, Chromium's
// sampling profiler on the page's main thread as well (top self-time functions).
//
//   node bench/toggle-profile.mjs FILE.csv [--runs N] [--profile] [--trace] [--engine main] [--pause MS] [--dom]
// --dom: the DOM nodes the page adds under <main> per toggle (a MutationObserver; the same on any
// load): how much of the page a toggle rebuilds.
// --pause: the page is left idle MS ms (default 1000, as a user looks at the figure) before the
// first toggle of each kind: the page draws the other band state ahead when idle (www/figure.js).
// --trace: a Chromium trace of the toggles; prints each toggle's thread CPU time of the page's
// main thread and of the engine's worker (medians), steadier than the wall clock on a loaded
// machine (the wall clock there is mostly waiting for a core).
// FILE: `cohort synth 10000 20261129 --designs`. Needs dist/ (a release build for real figures).
import fs from 'node:fs';
import path from 'node:path';
import { start } from '../tests/browser/helpers.mjs';

const args = process.argv.slice(2);
const file = args.find(a => !a.startsWith('--') && a.endsWith('.csv'));
const runs = Number(args[args.indexOf('--runs') + 1]) || 11;
const profile = args.includes('--profile');
const mainEngine = args.includes('--engine') && args[args.indexOf('--engine') + 1] === 'main';
const trace = args.includes('--trace');
const dom = args.includes('--dom');
const pause = args.includes('--pause') ? Number(args[args.indexOf('--pause') + 1]) : 1000;
if (!file) throw new Error('usage: node bench/toggle-profile.mjs FILE.csv [--runs N] [--profile] [--engine main]');

const app = await start();
try {
  const { page } = await app.newPage(app.url + (mainEngine ? '?engine=main' : ''));
  const bytes = [...fs.readFileSync(file)];
  await page.evaluate(async ([name, b]) => { await window.cohort.loadFile(name, new Uint8Array(b)); await window.cohort.idle(); }, [path.basename(file), bytes]);
  const spec = { time: 'time', event: { column: 'status', event: ['1'], censored: ['0', '2'] }, group: 'group', times: [365, 730] };
  await page.evaluate(async s => { await window.cohort.setSpec(s); await window.cohort.idle(); }, spec);
  await page.evaluate(() => {
    const log = window.__engineLog = [];
    const sent = new Map();
    const orig = Worker.prototype.postMessage;
    const watched = new WeakSet();
    Worker.prototype.postMessage = function (m, t) {
      if (!watched.has(this)) {
        // The answer's arrival, recorded before the engine's own handler runs.
        watched.add(this);
        const handler = this.onmessage;
        this.onmessage = ev => {
          const d = ev.data;
          const s = d && sent.get(d.id);
          if (s && !d.progress) {
            sent.delete(d.id);
            const v = d.value;
            const size = typeof v === 'string' ? v.length : typeof v?.answer === 'string' ? v.answer.length : v?.layout ? v.layout.length : 0;
            log.push({ op: s.op, sent: s.t, answered: performance.now(), chars: size, timing: v?.timing || null });
          }
          return handler.call(this, ev);
        };
      }
      if (m && m.op) sent.set(m.id, { op: m.op, t: performance.now() });
      return orig.call(this, m, t);
    };
  });
  const tr = trace ? await page.context().newCDPSession(page) : null;
  const traceEvents = [];
  if (tr) {
    tr.on('Tracing.dataCollected', e => traceEvents.push(...e.value));
    await tr.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel', transferMode: 'ReportEvents' });
  }
  const cdp = profile ? await page.context().newCDPSession(page) : null;
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 }); await cdp.send('Profiler.start'); }
  const res = await page.evaluate(async ([n, pause, dom]) => {
    const sleep = ms => new Promise(r => setTimeout(r, ms));
    let added = 0;
    if (dom) new MutationObserver(rs => { for (const r of rs) added += r.addedNodes.length; }).observe(document.querySelector('main'), { childList: true, subtree: true });
    const out = { ci: [], cov: [] };
    const one = async (act) => {
      window.__engineLog.length = 0;
      console.timeStamp('toggle-start');
      const t0 = performance.now();
      added = 0;
      await act();
      await window.cohort.idle();
      if (dom) await new Promise(r => setTimeout(r, 0));   // the observer's records of the last changes
      console.timeStamp('toggle-end');
      const t1 = performance.now();
      const ops = window.__engineLog.map(e => ({ op: e.op, at: +(e.sent - t0).toFixed(2), ms: +(e.answered - e.sent).toFixed(2), chars: e.chars, timing: e.timing }));
      const last = window.__engineLog.length ? Math.max(...window.__engineLog.map(e => e.answered)) : t0;
      return { total: +(t1 - t0).toFixed(2), before: ops.length ? ops[0].at : null, after: +(t1 - last).toFixed(2), ops, added };
    };
    await sleep(pause);
    for (let i = 0; i < n; i++) out.ci.push(await one(async () => { document.querySelector('#opt-ci').click(); }));
    await sleep(pause);
    for (let i = 0; i < n + 3; i++) {
      const box = document.querySelector(`#xp-covs tr[data-col="x${1 + (i % 3)}"] input.cov-tick`);
      const r = await one(async () => { box.click(); });
      if (i >= 3) out.cov.push(r);
    }
    return out;
  }, [runs, pause, dom]);
  if (tr) {
    const done = new Promise(r => tr.once('Tracing.tracingComplete', r));
    await tr.send('Tracing.end');
    await done;
  }
  const med = xs => { const s = xs.filter(x => x != null).sort((a, b) => a - b); return s.length ? s[s.length >> 1] : null; };
  for (const [name, rs] of Object.entries(res)) {
    console.log(`${name} toggle: median ${med(rs.map(r => r.total))} ms, first ${rs[0]?.total} ms (runs: ${rs.map(r => r.total).join(', ')})`);
    if (dom) console.log(`  DOM nodes added under <main> per toggle: ${rs.map(r => r.added).join(' ')}`);
    console.log(`  page JS before the first message: ${med(rs.map(r => r.before))} ms; after the last answer: ${med(rs.map(r => r.after))} ms`);
    const ops = {};
    for (const r of rs) for (const o of r.ops) (ops[o.op] ||= []).push(o);
    for (const [op, os] of Object.entries(ops)) {
      console.log(`  ${op}: ${os.length / rs.length} per toggle, round trip median ${med(os.map(o => o.ms))} ms, answer ${med(os.map(o => o.chars))} chars`);
      // A worker that reports its own steps' times (a build with timing added to www/ops.js).
      const keys = [...new Set(os.flatMap(o => Object.keys(o.timing || {})))];
      if (keys.length) console.log(`    in the worker (median ms): ${keys.map(k => `${k} ${med(os.map(o => o.timing?.[k]))?.toFixed(2)}`).join(', ')}`);
    }
  }
  if (tr) cpuPerToggle(traceEvents, res);
  if (cdp) {
    const { profile: p } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = p.timeDeltas;
    const byId = new Map(p.nodes.map(n => [n.id, n]));
    p.samples.forEach((id, i) => { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) || 0) + (dt[i] || 0)); });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(`main-thread profile: ${(total / 1000).toFixed(0)} ms sampled; top self time:`);
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
    // Inclusive time: each sample counted once for every function on its stack.
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
    const incl = new Map();
    p.samples.forEach((id, i) => {
      const seen = new Set();
      for (let x = id; x != null; x = parent.get(x)) {
        const n = byId.get(x);
        const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) || 0) + (dt[i] || 0));
      }
    });
    console.log('top inclusive time:');
    for (const [k, us] of [...incl].filter(([k]) => !/^\((root|program|idle)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
  }
} finally {
  await app.close();
}

/**
 * Thread CPU time within each toggle (between its two console.timeStamp marks) of the page's
 * main thread and the engine's worker: the tasks that overlap the toggle, counted whole.
 */
function cpuPerToggle(ev, res) {
  const marks = ev.filter(e => e.name === 'TimeStamp' && /^toggle-(start|end)$/.test(e.args?.data?.message)).sort((a, b) => a.ts - b.ts);
  if (!marks.length) return console.log('trace: no toggle marks');
  const thread = e => e.pid + ':' + e.tid;
  const main = thread(marks[0]);
  const names = new Map(ev.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => [thread(e), e.args.name]));
  const worker = [...names].find(([k, v]) => v === 'DedicatedWorker thread' && k.startsWith(marks[0].pid + ':'))?.[0];
  const tasks = ev.filter(e => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.tdur != null);
  const cpu = (thr, a, b) => tasks.reduce((s, e) => s + (thread(e) === thr && e.ts < b && e.ts + e.dur > a ? e.tdur : 0), 0) / 1000;
  const wins = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    if (marks[i].args.data.message === 'toggle-start' && marks[i + 1].args.data.message === 'toggle-end') wins.push([marks[i].ts, marks[i + 1].ts]);
  }
  // The page's toggles in order: the CI clicks, then the covariate ticks (the first 3 not counted).
  const rows = wins.map(([a, b]) => ({ main: cpu(main, a, b), worker: worker ? cpu(worker, a, b) : 0 }));
  const blocks = { ci: rows.slice(0, res.ci.length), cov: rows.slice(res.ci.length + 3) };
  const med = xs => { const s = [...xs].sort((x, y) => x - y); return s.length ? s[s.length >> 1].toFixed(1) : null; };
  for (const [k, rs] of Object.entries(blocks)) {
    console.log(`${k} toggle, thread CPU (trace): main median ${med(rs.map(r => r.main))} ms, worker median ${med(rs.map(r => r.worker))} ms, `
      + `both median ${med(rs.map(r => r.main + r.worker))} ms; first: ${rs[0] ? (rs[0].main + rs[0].worker).toFixed(1) : null} ms`);
  }
}
