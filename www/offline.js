// Offline use and build verification (the footer's "Verify this build").
//
// After the page has loaded, registers the service worker (dist/sw.js, written by
// scripts/build.sh) that keeps this build's files for offline use. The verify panel lists the
// SHA-256 of every file of the offline copy the page runs from — the numbers `npm run build`
// prints — read from the browser's Cache Storage and hashed here: no request is made.

const CACHE_PREFIX = 'cohort-';

/** Registers ./sw.js once the page has loaded (http(s) only; file:// pages have no workers). */
export function registerOffline(win = window) {
  const nav = win.navigator;
  if (!nav.serviceWorker || !/^https?:$/.test(win.location.protocol)) return null;
  const go = () => nav.serviceWorker.register('./sw.js').catch(e => {
    console.warn(`offline copy not installed: ${e.message}`);
    return null;
  });
  return win.document.readyState === 'complete' ? go()
    : new Promise(resolve => win.addEventListener('load', () => resolve(go()), { once: true }));
}

function hex(buf) {
  return [...new Uint8Array(buf)].map(b => b.toString(16).padStart(2, '0')).join('');
}

/** {build, files: [{file, sha256}]} of the newest offline copy, or null when there is none. */
export async function buildHashes(win = window) {
  if (!win.caches || !win.crypto?.subtle) return null;
  const names = (await win.caches.keys()).filter(n => n.startsWith(CACHE_PREFIX));
  if (!names.length) return null;
  const name = names[names.length - 1];
  const cache = await win.caches.open(name);
  const base = new URL('./', win.location.href).href;
  const files = [];
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    const sha256 = hex(await win.crypto.subtle.digest('SHA-256', await res.arrayBuffer()));
    files.push({ file: req.url.startsWith(base) ? req.url.slice(base.length) : req.url, sha256 });
  }
  files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { build: name.slice(CACHE_PREFIX.length), files };
}

function showHashes(box, result) {
  const out = box.querySelector('#verify-out');
  out.replaceChildren();
  if (!result) {
    out.textContent = 'This page has no offline copy yet (it is made on the first visit over http or https, '
      + 'once the page has loaded). Reload the page, then open this panel again.';
    return;
  }
  const p = document.createElement('p');
  p.textContent = `Build ${result.build}: SHA-256 of each file this page runs from (the list \`npm run build\` prints).`;
  const pre = document.createElement('pre');
  pre.className = 'hashes';
  pre.textContent = result.files.map(f => `${f.sha256}  ${f.file}`).join('\n');
  out.append(p, pre);
}

/** Wires the footer's <details id="verify">: hashes are computed when it is opened. */
export function wireVerify(doc = document) {
  const box = doc.getElementById('verify');
  if (!box) return;
  box.addEventListener('toggle', () => {
    if (box.open) buildHashes().then(r => showHashes(box, r), e => {
      box.querySelector('#verify-out').textContent = `Could not read the offline copy: ${e.message}`;
    });
  });
}

registerOffline();
wireVerify();
