// Formula-injection guard of the page's CSV exports (www/csv.js, used by the explorer's tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvLine } from '../../www/csv.js';

test('cells that a spreadsheet would run as a formula get a leading apostrophe', () => {
  assert.equal(csvCell('=1+2'), "'=1+2");
  assert.equal(csvCell('+cmd'), "'+cmd");
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\t=1'), "'\t=1");
  // A carriage return also needs quoting.
  assert.equal(csvCell('\r=1'), `"'\r=1"`);
  // Quoting after the apostrophe: the comma and quote stay inside one cell.
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
});

test('numbers and ordinary text are unchanged', () => {
  assert.equal(csvCell(-0.25), '-0.25');
  assert.equal(csvCell('-0.25'), '-0.25');
  assert.equal(csvCell('+3'), '+3');
  assert.equal(csvCell('-1e-5'), '-1e-5');
  assert.equal(csvCell('a=b'), 'a=b');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('say "hi", ok'), '"say ""hi"", ok"');
  assert.equal(csvLine(['x', 1, '=y']), "x,1,'=y");
});

test('a formula after leading spaces, a no-break space or a byte-order mark is neutralised too', () => {
  // The explorer's tables CSV is written by the core (src/export/mod.rs tables_csv, same rule).
  assert.equal(csvCell('  =1+2'), "'  =1+2");
  assert.equal(csvCell('\u00a0=cmd|calc'), "'\u00a0=cmd|calc");
  assert.equal(csvCell('\ufeff@SUM(A1)'), "'\ufeff@SUM(A1)");
  assert.equal(csvCell(' -0.25'), "' -0.25", 'a number after a space is text to a spreadsheet: kept as text');
});
