// Strip comments and indentation from the page's scripts for dist/ (a conservative minifier:
// no renaming, no reordering). Usage: node scripts/strip-js.mjs FILE... (rewrites each in place).
//
// The scanner knows the token kinds whose text must survive byte for byte: '…' and "…" strings,
// `…` template literals (with ${…} nesting, where code resumes) and regular-expression literals
// (a `/` where an operand may start). Outside them it drops // and /* */ comments, the
// indentation at the start of each line and empty lines; line breaks stay (no semicolon
// insertion changes). scripts/build.sh runs `node --check` on every output.
import fs from 'node:fs';

export function strip(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  const stack = []; // open template literals: depth of { } nesting inside the current ${ }
  let braces = 0; // { } depth inside the innermost ${ … }
  let lastSig = ''; // last significant character emitted outside strings/comments
  let lineStart = true;
  const regexBefore = '(,=:[!&|?{};+-*%<>~^';
  const keywordsBeforeRegex = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;
  const emit = (s) => {
    out += s;
  };
  const scanTemplate = () => {
    // at a ` or after the } closing a ${: copy until ` (end) or ${ (code resumes)
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        emit(src.slice(i, i + 2));
        i += 2;
        continue;
      }
      if (c === '`') {
        emit(c);
        i++;
        lastSig = '`';
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        emit('${');
        i += 2;
        stack.push(braces);
        braces = 0;
        lastSig = '{';
        return;
      }
      emit(c);
      i++;
    }
  };
  while (i < n) {
    const c = src[i];
    if (lineStart) {
      // drop indentation and empty lines
      while (i < n && (src[i] === ' ' || src[i] === '\t')) i++;
      if (src[i] === '\n') {
        i++;
        continue;
      }
      lineStart = false;
      continue;
    }
    if (c === '\n') {
      // drop trailing spaces on the line
      out = out.replace(/[ \t]+$/, '');
      if (!out.endsWith('\n') && out.length) emit('\n');
      i++;
      lineStart = true;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated comment');
      const body = src.slice(i, end + 2);
      i = end + 2;
      if (body.includes('\n')) emit('\n');
      else if (!/\s$/.test(out)) emit(' ');
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') throw new Error('newline in a string at ' + j);
        j++;
      }
      emit(src.slice(i, j + 1));
      i = j + 1;
      lastSig = c;
      continue;
    }
    if (c === '`') {
      emit(c);
      i++;
      scanTemplate();
      continue;
    }
    if (c === '/') {
      const prev = out.replace(/\s+$/, '');
      const p = prev[prev.length - 1] || '';
      if (p === '' || regexBefore.includes(p) || keywordsBeforeRegex.test(prev)) {
        // regular-expression literal
        let j = i + 1;
        let cls = false;
        while (j < n) {
          const d = src[j];
          if (d === '\\') {
            j += 2;
            continue;
          }
          if (d === '\n') throw new Error('newline in a regex at ' + j);
          if (cls) {
            if (d === ']') cls = false;
          } else if (d === '[') cls = true;
          else if (d === '/') break;
          j++;
        }
        j++;
        while (j < n && /[a-z]/.test(src[j])) j++;
        emit(src.slice(i, j));
        i = j;
        lastSig = '/';
        continue;
      }
    }
    if (c === '{' && stack.length) braces++;
    if (c === '}' && stack.length) {
      if (braces === 0) {
        emit('}');
        i++;
        braces = stack.pop();
        scanTemplate();
        continue;
      }
      braces--;
    }
    emit(c);
    if (c !== ' ' && c !== '\t') lastSig = c;
    i++;
  }
  if (stack.length) throw new Error('unterminated template literal');
  return out.endsWith('\n') ? out : out + '\n';
}

if (process.argv[1] && process.argv[1].endsWith('strip-js.mjs')) {
  for (const f of process.argv.slice(2)) {
    const src = fs.readFileSync(f, 'utf8');
    fs.writeFileSync(f, strip(src));
  }
}
