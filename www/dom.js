// The page's DOM helpers, shared by every module, and the loader of its on-demand modules.

/** The first element matching a CSS selector, or null. */
export const $ = sel => document.querySelector(sel);

/**
 * A new element: `attrs` sets attributes (`class`, `text` = text content; `true` sets an empty
 * attribute, `false`/null/undefined leave it out), `kids` are appended (null skipped).
 */
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

/**
 * `p`'s children become `kids` (elements or strings), touching only those that differ from what is shown:
 * a refit that leaves a table's rows as they were changes nothing on the page (no layout, paint
 * or scroll mark for them).
 */
export function put(p, ...kids) {
  const c = p.childNodes;
  if (c.length !== kids.length) p.replaceChildren(...kids);
  else kids.forEach((k, i) => { if (typeof k === 'string' ? c[i].nodeValue !== k || c[i].nodeType !== 3 : !k.isEqualNode(c[i])) c[i].replaceWith(k); });
}

/** Text content, written only when it changes (a write replaces the text node even if equal). */
export function setText(e, s) {
  if (e.textContent !== s) e.textContent = s;
}

/**
 * `url` (a URL) as a string, noted as one of the page's own files: code it fetches after load
 * (the engine's worker and modules, the on-demand builds, the page's modules imported on first
 * use). The privacy badge (www/explorer.js) tells a late request for one of these exact
 * addresses — fixed, so they carry nothing of the user's data — from any other request.
 */
export function ownFile(url) {
  (globalThis.cohortOwnFiles ||= new Set()).add(url.href);
  return url.href;
}

/**
 * A loader of a page module imported on first use (issue 20): `load()` imports it (`url`) once
 * and resolves to `init(module)`; a failed import is tried again at the next call.
 */
export function loadOnce(url, init) {
  let loading = null;
  return () => (loading ||= import(ownFile(url)).then(init, e => {
    loading = null;
    throw e;
  }));
}
