// Formula-injection guard of the page's CSV exports (www/csv.js, used by the explorer's tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvLine } from '../../www/csv.js';
import { tablesCsv } from '../../www/explorer.js';

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

test('the explorer tables CSV escapes a formula-like group label', () => {
  const report = { km: [{ group: '=cmd|calc', n: 20, events: 10, median: 5, median_lower: 3, median_upper: -1, at: [] }] };
  const csv = tablesCsv(report, 1);
  assert.match(csv, /^summary,'=cmd\|calc,20,10,5,3,-1$/m);
  assert.doesNotMatch(csv, /,=cmd/);
});
