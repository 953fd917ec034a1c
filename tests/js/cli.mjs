// The JS tests' fixtures come from the command line's real output, never from JSON written by
// hand (issue 13 item 7): a schema is `cohort schema FILE`, a report is `cohort analyze FILE
// --spec SPEC`. A field renamed in the Rust core then changes what these tests see, and a page
// helper that reads the old name (a privacy guard, a column picker) fails its test instead of
// silently doing nothing.
//
// The command line: COHORT_CLI, else the newer of target/release/cohort and target/debug/cohort
// (`cargo build --bin cohort`). Without one the tests fail with that instruction.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'tests', 'js', 'fixtures');

/** Path of the command line to use, or throws saying how to build it. */
export function cliPath() {
  if (process.env.COHORT_CLI) return path.resolve(ROOT, process.env.COHORT_CLI);
  const found = ['target/release/cohort', 'target/debug/cohort'].map(p => path.join(ROOT, p)).filter(p => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!found) throw new Error('the JS tests read the command line\'s output: build it first (cargo build --bin cohort) or set COHORT_CLI');
  return found;
}

/** `cohort ARGS...` → stdout as text (throws with the command's message on a non-zero exit). */
export function cohort(...args) {
  try {
    return execFileSync(cliPath(), args, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
  } catch (e) {
    throw new Error(`cohort ${args.join(' ')}: ${e.stderr?.toString() || e.message}`);
  }
}

/** `cohort schema FILE`, parsed. */
export const schemaOf = file => JSON.parse(cohort('schema', file));

/** `cohort analyze FILE --spec SPEC`, parsed (the report the page's engine returns). */
export const analyze = (file, spec) => JSON.parse(cohort('analyze', file, '--spec', JSON.stringify(spec)));

/** A file in the reference corpus (R's datasets as CSV). */
export const reference = name => path.join(ROOT, 'tests', 'reference', name);

/** Write `text` to a fresh temporary file named `name` and return its path. */
export function tempFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohort-js-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}
