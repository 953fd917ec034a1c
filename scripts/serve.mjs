#!/usr/bin/env node
// A tiny static file server for dist/ (no dependencies). Loopback only; GET and HEAD only.
//   node scripts/serve.mjs [--dir dist] [--port 8080] [--prefix /sub/path/]
// Port 0 picks a free port. The URL is printed on stdout.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The page's policy (index.html carries it as a meta tag) also sent as a header, so that it
// covers the engine's Web Worker too (a worker does not inherit a meta-tag policy).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'";

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * Serve `dir` under `prefix` on 127.0.0.1. Resolves to {server, url, close()}.
 */
export function serve({ dir = 'dist', port = 0, prefix = '/', host = '127.0.0.1', log = false } = {}) {
  const root = path.resolve(dir);
  if (!prefix.startsWith('/')) prefix = '/' + prefix;
  if (!prefix.endsWith('/')) prefix += '/';
  const server = http.createServer((req, res) => {
    const send = (code, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (pathname + '/' === prefix) {
      res.writeHead(301, { Location: prefix });
      return res.end();
    }
    if (!pathname.startsWith(prefix)) return send(404, 'not found\n');
    let rel = pathname.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden\n');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        if (log) console.log(`404 ${req.method} ${pathname}`);
        return send(404, 'not found\n');
      }
      if (log) console.log(`200 ${req.method} ${pathname}`);
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': CSP,
        'Referrer-Policy': 'no-referrer',
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      const url = `http://${host}:${a.port}${prefix}`;
      resolve({ server, url, close: () => new Promise(r => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
  };
  const port = Number(opt('--port', process.env.PORT || 8080));
  serve({ dir: opt('--dir', 'dist'), port, prefix: opt('--prefix', '/'), log: args.includes('--log') })
    .then(({ url }) => console.log(`cohort is served at ${url}  (Ctrl-C to stop)`))
    .catch(e => {
      if (e.code === 'EADDRINUSE') console.error(`port ${port} is in use: try PORT=0 npm start (any free port) or --port N`);
      else console.error(e.message);
      process.exit(1);
    });
}
