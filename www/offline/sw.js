// The page's offline copy: a service worker that keeps this build's static files (the page, its
// scripts, both wasm engines, the demo) in the browser's Cache Storage, so that after the first
// visit the page opens and analyses with the network unplugged.
//
// scripts/build.sh writes this file to dist/sw.js with BUILD (an id made from the files' SHA-256)
// and FILES (every file of dist/, relative to this script) filled in. A new build is a new
// sw.js: the browser installs it beside the old one, it copies the new files into a cache of its
// own, takes over, and deletes the old build's cache. It only ever fetches this build's own files
// from the page's origin; it sends nothing and never touches a data file (those are read with the
// File API and never requested).
const BUILD = '__BUILD__';
const FILES = __FILES__;
const CACHE = 'cohort-' + BUILD;
const PREFIX = 'cohort-';

self.addEventListener('install', event => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // 'reload': the files themselves, not what the HTTP cache may hold from an older build.
    await cache.addAll(FILES.map(f => new Request(f, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The file of this build a request asks for ('index.html' for the app's own folder), or null.
function buildFile(request) {
  if (request.method !== 'GET') return null;
  const scope = new URL('./', self.location.href);
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  let rel = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  if (rel === '' && request.mode === 'navigate') rel = 'index.html';
  return FILES.includes(rel) ? rel : null;
}

self.addEventListener('fetch', event => {
  const file = buildFile(event.request);
  if (!file) return; // not one of ours: the browser handles it as if there were no worker
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(file);
    return hit || fetch(event.request);
  })());
});
