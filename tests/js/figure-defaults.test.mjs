// www/figure.js keys its kept figures with the plot options' defaults filled in
// (OPTION_DEFAULTS), so that a box left unset and a box set to its default share a kept bitmap.
// Those defaults must be the engine's own (src/plot/mod.rs `impl Default for PlotOptions`): if
// they drifted, an unset option would show a bitmap drawn with the other value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test("figure.js's option defaults are the engine's PlotOptions::default", () => {
  const js = fs.readFileSync(path.join(ROOT, 'www/figure.js'), 'utf8');
  const m = js.match(/const OPTION_DEFAULTS = (\{[^}]*\});/);
  assert.ok(m, 'OPTION_DEFAULTS not found in www/figure.js');
  const defaults = JSON.parse(m[1].replace(/(\w+):/g, '"$1":'));
  assert.ok(Object.keys(defaults).length > 0);
  const rs = fs.readFileSync(path.join(ROOT, 'src/plot/mod.rs'), 'utf8');
  const at = rs.indexOf('impl Default for PlotOptions');
  assert.ok(at >= 0, 'impl Default for PlotOptions not found in src/plot/mod.rs');
  const body = rs.slice(at);
  for (const [key, value] of Object.entries(defaults)) {
    const f = body.match(new RegExp(`\\n\\s*${key}: (true|false),`));
    assert.ok(f, `${key} has no boolean default in PlotOptions::default`);
    assert.equal(String(value), f[1], `${key}: www/figure.js says ${value}, the engine ${f[1]}`);
  }
});
