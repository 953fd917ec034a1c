// www/engine.js's choice of engine build: ZIP and OLE2 files go to the workbook build.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWorkbookHead } from '../../www/engine.js';

const INGEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../ingest');
const head = f => new Uint8Array(fs.readFileSync(path.join(INGEST, f)).subarray(0, 8));

test('workbooks (and other ZIP/OLE2 files, which the workbook build names) need the workbook build', () => {
  for (const f of ['lung.xlsx', 'lung.xls', 'ovarian.ods', 'truncated.xlsx', 'zip_renamed.csv']) assert.equal(isWorkbookHead(head(f)), true, f);
  for (const f of ['lung_cp1252_accents.csv', 'lung_tab_utf16le.txt', 'lung_utf16be.csv', 'html_saved_as.xls', 'png_renamed.csv', 'empty.csv']) {
    assert.equal(isWorkbookHead(head(f)), false, f);
  }
  // Empty-archive and spanned-archive ZIP signatures; a lone "PK" is text.
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b, 5, 6)), true);
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b, 7, 8)), true);
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b)), false);
  assert.equal(isWorkbookHead(new Uint8Array(0)), false);
});
