// No function too long to hold in one's head (issue 16): every function of the crate (src/**.rs,
// `fn` items, body found by brace matching) and of the page (www/**.js: function declarations,
// methods, arrow functions with a block body) is at most LIMIT lines, from the line naming it to
// its closing brace — unless the comment block right above it (doc comments and attributes
// included) has a line starting `// Long because:` (or `/// Long because:`) that says why.
// That comment is the allow-list: a reason written where the function is read, not a list here.
//
// Strings, characters, comments, template literals and regular expressions are blanked first
// (kept as spaces, newlines kept), so a brace inside them is no brace.
//
// `node tests/js/lengths.test.mjs --list` prints every function over the limit with its reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.mjs';

export const LIMIT = 150;

const ident = c => /[\w$]/.test(c || '');

/** Rust source with comments, strings and character literals blanked (same length, newlines kept). */
export function blankRust(text) {
  const out = text.split('');
  const blank = (a, b) => { for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' '; };
  let i = 0;
  while (i < text.length) {
    const c = text[i], n = text[i + 1];
    if (c === '/' && n === '/') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? text.length : e;
      blank(i, end); i = end;
    } else if (c === '/' && n === '*') {
      // Nested block comments.
      let depth = 1, k = i + 2;
      while (k < text.length && depth > 0) {
        if (text[k] === '/' && text[k + 1] === '*') { depth++; k += 2; }
        else if (text[k] === '*' && text[k + 1] === '/') { depth--; k += 2; }
        else k++;
      }
      blank(i, k); i = k;
    } else if ((c === 'r' || (c === 'b' && n === 'r')) && !ident(text[i - 1]) && /^b?r#*"/.test(text.slice(i, i + 80))) {
      // Raw string r#"..."#.
      const m = /^b?r(#*)"/.exec(text.slice(i, i + 80));
      const close = '"' + m[1];
      const e = text.indexOf(close, i + m[0].length);
      const end = e < 0 ? text.length : e + close.length;
      blank(i, end); i = end;
    } else if (c === '"') {
      let k = i + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      blank(i, k + 1); i = k + 1;
    } else if (c === "'") {
      // A character literal ('x', '\n', '\u{..}') or a lifetime ('a: no closing quote).
      if (n === '\\') {
        const e = text.indexOf("'", i + 2);
        blank(i, e + 1); i = e + 1;
      } else if (text[i + 2] === "'" || (text.codePointAt(i + 1) > 0xffff && text[i + 3] === "'")) {
        const end = text[i + 2] === "'" ? i + 3 : i + 4;
        blank(i, end); i = end;
      } else i++;
    } else i++;
  }
  return out.join('');
}

const REGEX_AFTER = new Set(['return', 'typeof', 'case', 'in', 'of', 'delete', 'void', 'throw', 'new', 'yield', 'await', 'else', 'do']);

/** JavaScript source with comments, strings, template literals and regular expressions blanked. */
export function blankJs(text) {
  const out = text.split('');
  const blank = (a, b) => { for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' '; };
  // Whether a `/` at i starts a regular expression: after an operator or punctuation, or a keyword.
  const regexStart = i => {
    let k = i - 1;
    while (k >= 0 && /\s/.test(out[k])) k--;
    if (k < 0) return true;
    if (ident(out[k])) {
      let a = k;
      while (a > 0 && ident(out[a - 1])) a--;
      return REGEX_AFTER.has(out.slice(a, k + 1).join(''));
    }
    return !')]'.includes(out[k]);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i], n = text[i + 1];
    if (c === '/' && n === '/') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? text.length : e;
      blank(i, end); i = end;
    } else if (c === '/' && n === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? text.length : e + 2;
      blank(i, end); i = end;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < text.length && text[k] !== c && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      blank(i, k + 1); i = k + 1;
    } else if (c === '`') {
      // A template literal, its ${...} expressions included (they are balanced).
      let k = i + 1, depth = 0;
      while (k < text.length) {
        if (text[k] === '\\') { k += 2; continue; }
        if (depth === 0 && text[k] === '`') break;
        if (text[k] === '$' && text[k + 1] === '{') { depth++; k += 2; continue; }
        if (depth > 0 && text[k] === '}') depth--;
        k++;
      }
      blank(i, k + 1); i = k + 1;
    } else if (c === '/' && regexStart(i)) {
      let k = i + 1, cls = false;
      while (k < text.length && text[k] !== '\n') {
        if (text[k] === '\\') { k += 2; continue; }
        if (text[k] === '[') cls = true;
        else if (text[k] === ']') cls = false;
        else if (text[k] === '/' && !cls) break;
        k++;
      }
      while (ident(text[k + 1])) k++; // flags
      blank(i, k + 1); i = k + 1;
    } else i++;
  }
  return out.join('');
}

/** Index of the brace closing the one at `open` in blanked code (-1 when unbalanced). */
function closing(code, open) {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === '{') depth++;
    else if (code[k] === '}' && --depth === 0) return k;
  }
  return -1;
}

const lineOf = (code, i) => { let n = 1; for (let k = 0; k < i; k++) if (code[k] === '\n') n++; return n; };

/** Rust `fn` items with a body: { name, line, lines }. */
export function rustFunctions(text) {
  const code = blankRust(text);
  const out = [];
  for (const m of code.matchAll(/\bfn\s+(\w+)/g)) {
    let k = m.index + m[0].length;
    while (k < code.length && code[k] !== '{' && code[k] !== ';') k++;
    if (code[k] !== '{') continue; // a trait's declaration
    const end = closing(code, k);
    if (end < 0) continue;
    const line = lineOf(code, m.index);
    out.push({ name: m[1], line, lines: lineOf(code, end) - line + 1 });
  }
  return out;
}

const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function']);

/** JavaScript functions with a block body (declarations, methods, arrows): { name, line, lines }. */
export function jsFunctions(text) {
  const code = blankJs(text);
  const out = [];
  // Matching parentheses: close → open.
  const openOf = new Map(), stack = [];
  for (let k = 0; k < code.length; k++) {
    if (code[k] === '(') stack.push(k);
    else if (code[k] === ')') openOf.set(k, stack.pop());
  }
  for (let k = 0; k < code.length; k++) {
    if (code[k] !== '{') continue;
    let j = k - 1;
    while (j >= 0 && /\s/.test(code[j])) j--;
    let start = null, name = null;
    if (code[j] === '>' && code[j - 1] === '=') {
      // An arrow: named by `const NAME =` or `NAME:` before its parameters, else anonymous.
      let a = j - 2;
      while (a >= 0 && /\s/.test(code[a])) a--;
      if (code[a] === ')') a = openOf.get(a) ?? a;
      else while (a > 0 && ident(code[a - 1])) a--;
      const before = code.slice(Math.max(0, a - 80), a);
      const named = /(?:(?:const|let|var)\s+([\w$]+)\s*=|([\w$]+)\s*:)\s*(?:async\s*)?$/.exec(before);
      name = named ? named[1] || named[2] : '(arrow)';
      start = a;
    } else if (code[j] === ')' && openOf.has(j)) {
      let a = openOf.get(j) - 1;
      while (a >= 0 && /\s/.test(code[a])) a--;
      let b = a;
      while (b > 0 && ident(code[b - 1])) b--;
      const word = code.slice(b, a + 1);
      if (!word || !ident(word[0]) || NOT_FUNCTIONS.has(word) && word !== 'function') continue;
      if (word === 'function') { name = '(function)'; start = b; }
      else if (!NOT_FUNCTIONS.has(word)) { name = word; start = b; }
      else continue;
    } else continue;
    const end = closing(code, k);
    if (end < 0) continue;
    const line = lineOf(code, start);
    out.push({ name, line, lines: lineOf(code, end) - line + 1 });
  }
  return out;
}

/** Whether the comment block right above `line` (1-based) says why the function is long. */
export function hasReason(text, line) {
  const lines = text.split('\n');
  for (let k = line - 2; k >= 0; k--) {
    const l = lines[k].trim();
    if (/^\/\/\/?\s*Long because:\s*\S/.test(l)) return true;
    if (!(l.startsWith('//') || l.startsWith('#[') || l.startsWith('#!['))) return false;
  }
  return false;
}

function files(dir, ext, skip = []) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!skip.includes(e.name)) out.push(...files(p, ext, skip)); }
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** Every function over LIMIT lines in src/ and www/: { file, name, line, lines, reason }. */
export function longFunctions(limit = LIMIT) {
  const out = [];
  const scan = (file, fns) => {
    const text = fs.readFileSync(file, 'utf8');
    for (const f of fns(text)) {
      if (f.lines > limit) out.push({ file: path.relative(ROOT, file), ...f, reason: hasReason(text, f.line) });
    }
  };
  for (const f of files(path.join(ROOT, 'src'), '.rs')) scan(f, rustFunctions);
  // www/demo holds data, not code; www/pkg is wasm-bindgen's generated glue (git-ignored).
  for (const f of files(path.join(ROOT, 'www'), '.js', ['demo', 'pkg'])) scan(f, jsFunctions);
  return out;
}

test('Rust functions are found by brace matching, braces in strings and comments ignored', () => {
  const src = [
    'fn a() {', '    let s = "}}}";', "    let c = '}';", '    // }', '    /* { /* } */ { */', "    let r = r#\"}\"#;", "    x::<'a>();", '}',
    'trait T { fn decl(&self); }',
    'impl X { fn b<T>(&self) -> Vec<T> where T: Copy {', '    inner()', '    } }',
  ].join('\n');
  assert.deepEqual(rustFunctions(src), [{ name: 'a', line: 1, lines: 8 }, { name: 'b', line: 10, lines: 3 }]);
});

test('JavaScript functions, methods and arrows are found; regexes and templates ignored', () => {
  const src = [
    'function a(x) {', '  const re = /[}]/g;', '  return `${x}}`;', '}',
    'class C {', '  m(y) {', '    if (y) { return 1 / 2; }', '  }', '}',
    'const f = async (p) => {', "  '}';", '};',
    'on(x, () => {', '  y();', '});',
  ].join('\n');
  assert.deepEqual(jsFunctions(src).map(f => [f.name, f.line, f.lines]), [['a', 1, 4], ['m', 6, 3], ['f', 10, 3], ['(arrow)', 13, 3]]);
});

test('a reason is read from the comment block right above', () => {
  const src = ['// Long because: one table of cases.', '/// Docs.', '#[allow(x)]', 'fn a() {', '}', '', '// Long because:', 'fn b() {}', '// Long because: far', 'let x;', 'fn c() {}'].join('\n');
  assert.ok(hasReason(src, 4));
  assert.ok(!hasReason(src, 8), 'an empty reason is none');
  assert.ok(!hasReason(src, 11), 'a reason must be right above');
});

test(`no function over ${LIMIT} lines without a written reason (src/, www/)`, () => {
  const long = longFunctions();
  assert.ok(long.length < 100, 'the scan sees functions');
  const bare = long.filter(f => !f.reason).map(f => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
  assert.deepEqual(bare, [], `split these, or write "// Long because: ..." above them:\n${bare.join('\n')}`);
});

if (process.argv.includes('--list')) {
  for (const f of longFunctions().sort((a, b) => b.lines - a.lines)) console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}${f.reason ? '\t(reason given)' : ''}`);
}
