// No import cycles: the page's ES modules (www/*.js, their `import ... from './x.js'` lines) and
// the crate's modules (src/**/*.rs, every `crate::a::b` path outside comments, resolved to the
// file of the deepest module named) form graphs without cycles. A cycle means two modules can
// only be understood — and changed — together (issue 16: explorer.js → zph.js → share.js →
// explorer.js through module-level k state; stats/cox.rs ↔ stats/zph.rs).
//
// The crate's graph is drawn between units: a top-level module with its children (`ingest`,
// `plot`, `disclosure`, ...) is one node, and so is each estimator of `stats` (`stats::cox`
// with whatever files it is split into). A unit's use of its own parts is no edge.
//
// The crate is free of cycles (the last one, export ↔ manuscript, went when the manuscript
// exports became part of the export module, `src/export/manuscript/`). `KNOWN_SRC` would list
// edges allowed to close a cycle: it is empty, and the test fails on any edge that closes one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.mjs';

/** Strongly connected components with more than one node (or a self-loop): the cycles. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), on = new Set(), stack = [], out = [];
  const visit = v => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) || []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) || new Set()).has(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** www/*.js → the www modules each imports (static `import`/`export ... from` lines). */
export function wwwGraph(dir = path.join(ROOT, 'www')) {
  const g = new Map();
  for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const deps = new Set();
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s+['"]\.\/([\w.-]+\.js)['"]/gm)) deps.add(m[1]);
    for (const m of text.matchAll(/^\s*import\s+['"]\.\/([\w.-]+\.js)['"]/gm)) deps.add(m[1]);
    g.set(f, deps);
  }
  return g;
}

function rustFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...rustFiles(p));
    else if (e.name.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** The module path of a file under src/ (src/stats/cox.rs → stats::cox; src/ingest/mod.rs → ingest). */
function modulePath(src, file) {
  const rel = path.relative(src, file).replace(/\.rs$/, '').split(path.sep);
  if (rel[rel.length - 1] === 'mod') rel.pop();
  if (rel.length === 1 && rel[0] === 'lib') return '';
  return rel.join('::');
}

/** The unit a module belongs to: `stats::cox::fit` → `stats::cox`, `ingest::dates` → `ingest`. */
export function unitOf(module) {
  const segs = module.split('::');
  return segs.slice(0, segs[0] === 'stats' ? 2 : 1).join('::');
}

/** src/**.rs (by module path) → the modules of the crate each names with `crate::`. */
export function srcGraph(src = path.join(ROOT, 'src')) {
  const files = rustFiles(src).filter(f => !f.includes(`${path.sep}bin${path.sep}`));
  const mods = new Set(files.map(f => modulePath(src, f)));
  const g = new Map();
  for (const f of files) {
    const me = modulePath(src, f);
    // Code only: line comments (doc comments too) are dropped, so a doc link is no dependency.
    const code = fs.readFileSync(f, 'utf8').split('\n').map(l => l.replace(/\/\/.*$/, '')).join('\n');
    const deps = new Set();
    const add = segs => {
      // The deepest module the path names.
      let best = null;
      for (let i = 1; i <= segs.length; i++) if (mods.has(segs.slice(0, i).join('::'))) best = segs.slice(0, i).join('::');
      if (!best) return;
      const unit = unitOf(best);
      if (unit !== unitOf(me) && unit !== '') deps.add(unit);
    };
    // `use crate::{a::b, c}` groups: each path in the braces (one level deep is what the crate uses).
    for (const m of code.matchAll(/crate::\{([^}]*)\}/g)) for (const p of m[1].split(',')) add(p.trim().split('::').filter(Boolean));
    for (const m of code.matchAll(/crate::((?:\w+::)*\w+)(?:::\{([^}]*)\})?/g)) {
      const base = m[1].split('::');
      if (m[2]) for (const p of m[2].split(',')) add([...base, ...p.trim().split('::').filter(Boolean)]);
      else add(base);
    }
    const unit = unitOf(me);
    if (!g.has(unit)) g.set(unit, new Set());
    for (const d of deps) g.get(unit).add(d);
  }
  return g;
}

/** The edges of `graph` inside its cycles, as 'a -> b'. */
export function cycleEdges(graph) {
  const out = [];
  for (const comp of cycles(graph)) {
    const inComp = new Set(comp);
    for (const v of comp) for (const w of graph.get(v)) if (inComp.has(w)) out.push(`${v} -> ${w}`);
  }
  return out.sort();
}

// Edges inside the crate's cycles (see above): each one to remove. The fifth session broke the
// others (72 edges in one cycle of 18 units: report ↔ plot / study / prepare, spec → study,
// table → study and bench, stats::table1 ↔ disclosure) by moving each shared type to the module
// below both (numfmt, spec, table, rng, columns, stats::table1). Left: the manuscript exports read
// export's input and methods text, and export dispatches to them.
const KNOWN_SRC = [];

test('the cycle finder finds a cycle and only cycles', () => {
  const g = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])], ['e', new Set(['e'])]]);
  assert.deepEqual(cycles(g).map(c => c.join(' ')).sort(), ['a b c', 'e']);
  assert.deepEqual(cycles(new Map([['a', new Set(['b'])], ['b', new Set()]])), []);
});

test('the graphs are read: the page imports its engine, the crate its statistics', () => {
  const www = wwwGraph();
  assert.ok(www.get('main.js').has('engine.js'));
  assert.ok(www.get('engine.js').has('ops.js'));
  const src = srcGraph();
  assert.ok(src.size > 30, `${src.size} modules`);
  assert.ok(src.get('analyze').size > 3, [...src.get('analyze')].join(', '));
});

test('no import cycle among the page modules (www/*.js)', () => {
  const found = cycles(wwwGraph());
  assert.deepEqual(found, [], `cycles: ${found.map(c => c.join(' → ')).join('; ')}`);
});

test('no new cycle among the crate modules (src/)', () => {
  const edges = cycleEdges(srcGraph());
  const added = edges.filter(e => !KNOWN_SRC.includes(e));
  assert.deepEqual(added, [], `edges that close a new cycle: ${added.join('; ')}`);
  const gone = KNOWN_SRC.filter(e => !edges.includes(e));
  assert.deepEqual(gone, [], `no longer in a cycle: remove from KNOWN_SRC: ${gone.join('; ')}`);
});

test('a new cycle in the crate is caught', () => {
  // The crate's graph with one more edge: a leaf estimator naming the module that runs it.
  const g = srcGraph();
  const before = cycleEdges(g);
  assert.ok(!before.includes('stats::km -> analyze'));
  g.get('stats::km').add('analyze');
  assert.ok(cycleEdges(g).includes('stats::km -> analyze'));
});
