// Sharing beyond the settings link: a results-only link (curves, at-risk counts with small cells
// suppressed, tests, model coefficients and their covariance: no rows) and, behind an explicit
// confirmation, a link embedding the de-identified analysis columns. Both live in the URL
// fragment (browsers never send it to a server), deflate-compressed (CompressionStream) and
// base64url-encoded, with a format version. Also: the disclosure threshold k applied to the
// figure on the page ("apply to figure") and to every figure export.
//
// Fragments: `#results=<payload>` and `#embed=<payload>`. A payload is base64url of raw-deflated
// JSON {v, kind, ...}; a malformed, oversized or newer-version payload is refused with a message.

import { disclosureK, figureMinCell, exportMinCell, showingSharedResults, figureUsesK, setApplyToFigure, sharedLinkK, setSharedLinkK } from './disclosure.js';
import { identifierColumns } from './privacy.js';
import { $, el } from './dom.js';

/** Format version of the data payload. */
export const SHARE_VERSION = 1;
/**
 * Format version of the results payload (made and checked by the engine, src/share.rs): 2 since
 * its curves are released in steps of at least k events; version 1 links are refused.
 */
export const RESULTS_VERSION = 2;
/** Largest compressed payload a data link may carry (bytes). */
export const MAX_EMBED_BYTES = 200 * 1024;
/** Largest fragment accepted when opening a link (characters), and largest inflated JSON. */
export const MAX_FRAGMENT_CHARS = 2_000_000;
export const MAX_INFLATED_BYTES = 32 * 1024 * 1024;


// ---------- encoding (pure: unit-testable in node, which has CompressionStream) ----------

async function pipe(bytes, stream, limit = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new Error(`the link's contents are larger than ${Math.round(limit / 1048576)} MB once unpacked: it is not a link this page made`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Raw-deflate a string (UTF-8). */
export async function deflate(text) {
  return pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'));
}

/** Inflate raw-deflate bytes to a string, refusing more than `limit` bytes. */
export async function inflate(bytes, limit = MAX_INFLATED_BYTES) {
  let out;
  try {
    out = await pipe(bytes, new DecompressionStream('deflate-raw'), limit);
  } catch (e) {
    if (/larger than/.test(e.message)) throw e;
    throw new Error('the link\'s contents are damaged (they do not unpack): it may have been cut short when copied; ask for it again');
  }
  return new TextDecoder().decode(out);
}

export function toBase64url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link\'s contents contain characters that base64url does not use: it was changed or cut when copied');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  let bin;
  try { bin = atob(b64); } catch { throw new Error('the link\'s contents are not valid base64url: it was cut when copied'); }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** JSON text → fragment payload (base64url of raw deflate); also returns the compressed size. */
export async function encodePayload(json) {
  const bytes = await deflate(typeof json === 'string' ? json : JSON.stringify(json));
  return { text: toBase64url(bytes), bytes: bytes.length };
}

/**
 * Fragment payload → object {v, kind, ...}. Throws a message naming the problem: too long, not
 * base64url, not deflate, not JSON, no or a newer version, another kind than `kind`.
 */
export async function decodePayload(text, kind) {
  if (text.length > MAX_FRAGMENT_CHARS) throw new Error(`the link is too long (${text.length} characters; at most ${MAX_FRAGMENT_CHARS}): it is not a link this page made`);
  if (!text.length) throw new Error('the link carries no contents after its #…= part: it was cut when copied');
  const json = await inflate(fromBase64url(text));
  let obj;
  try { obj = JSON.parse(json); } catch (e) { throw new Error(`the link's contents are not valid JSON (${e.message})`); }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('the link\'s contents are not shared results');
  if (!Number.isInteger(obj.v)) throw new Error('the link\'s contents have no format version: it is not a link this page made');
  const known = obj.kind === 'results' ? RESULTS_VERSION : SHARE_VERSION;
  if (obj.v > known) throw new Error(`the link was made by a newer version of this page (format ${obj.v}; this page reads ${known}): open it with the newer page`);
  if (obj.kind === 'results' && obj.v < known) throw new Error(`the link was made by an older version of this page (format ${obj.v}), before curves were released in steps of at least k events; this page reads format ${known}: ask for a new link`);
  if (obj.v < 1) throw new Error(`the link has an unknown format version ${obj.v}`);
  if (kind && obj.kind !== kind) throw new Error(`the link holds '${obj.kind}', not '${kind}'`);
  return obj;
}

/** The kind of shared link a location hash holds ('results' | 'embed') and its payload text, or null. */
export function sharedFragment(hash) {
  const m = /^#(results|embed)=(.*)$/s.exec(hash || '');
  return m ? { kind: m[1], text: m[2] } : null;
}

/**
 * Columns an analysis reads: time (or its dates), outcome, group, strata, cluster, covariates,
 * univariable screen, Table 1, filter columns. The data link embeds these and nothing else.
 */
export function analysisColumns(spec) {
  const out = [];
  const add = c => { if (typeof c === 'string' && c && !out.includes(c)) out.push(c); };
  if (typeof spec?.time === 'string') add(spec.time);
  else if (typeof spec?.time?.column === 'string') add(spec.time.column);
  else if (spec?.time) { add(spec.time.start); for (const e of [].concat(spec.time.end || [])) add(e); }
  add(spec?.event?.column);
  for (const g of [].concat(spec?.group || [])) add(g);
  add(spec?.strata);
  add(spec?.cluster);
  for (const k of ['covariates', 'univariable', 'table1']) for (const c of Array.isArray(spec?.[k]) ? spec[k] : []) add(c);
  for (const f of spec?.filters || []) add(f?.column);
  return out;
}

// ---------- page ----------

/** Set by `initShare`. */
let ctx = null;
// The disclosure state (k, "apply to figure", a results link's k) lives in www/disclosure.js;
// re-exported for the modules that read it here.
export { figureMinCell, exportMinCell, showingSharedResults };

/**
 * Wire the share buttons. `c` = {state, engine(), serial, showError, sharedSpec(), checkExport(),
 * loadFile(name, bytes, spec), showShared(spec, report), redraw(), refreshMethods()}.
 */
export function initShare(c) {
  ctx = c;
  const share = $('#share');
  const results = el('button', { type: 'button', id: 'share-results', title: 'A link with the figure, tests and model (coefficients and covariance): no patient rows. Counts below k are suppressed.', text: 'Share results only' });
  const data = el('button', { type: 'button', id: 'share-data', title: 'A link that carries the analysis columns themselves (asks first)', text: 'Share with data…' });
  share.after(results, data);
  const out = el('div', { id: 'share-out-box', class: 'share-out', hidden: true },
    el('label', { for: 'share-out', id: 'share-out-label', text: 'Link' }),
    el('input', { id: 'share-out', type: 'text', readonly: true, spellcheck: 'false' }));
  $('.actions').after(out);
  results.addEventListener('click', () => resultsLink().then(r => offer(r.link, r.message)).catch(e => ctx.showError(e, 'The results link could not be made')));
  data.addEventListener('click', () => dataLinkFlow().catch(e => ctx.showError(e, 'The data link could not be made')));
  // "apply to figure" beside the explorer's k.
  const disc = $('#xp-disclosure');
  if (disc) {
    const box = el('input', { type: 'checkbox', id: 'xp-k-figure' });
    disc.querySelector('label')?.after(el('label', { class: 'check', id: 'xp-k-figure-box' }, box, ' apply to figure'));
    box.addEventListener('change', () => { setApplyToFigure(box.checked); ctx.redraw(); });
    $('#xp-k')?.addEventListener('change', () => { if (figureUsesK() || sharedLinkK() == null) { ctx.redraw(); ctx.refreshMethods(); } });
  }
}

async function offer(link, message) {
  $('#share-out').value = link;
  $('#share-out-label').textContent = message;
  $('#share-out-box').hidden = false;
  try {
    await navigator.clipboard.writeText(link);
    $('#action-status').textContent = 'Link copied. ' + message;
  } catch {
    $('#action-status').textContent = message;
    $('#share-out').select();
  }
}

function baseUrl() {
  const u = new URL(location.href);
  u.hash = '';
  return u.href.replace(/#$/, '');
}

/** Groups of the report with fewer than k patients (flagged in the message, never dropped). */
function smallGroups(report, k) {
  const curves = report.km?.length ? report.km : (report.cuminc || []).filter(c => c.cause === 'event');
  return curves.filter(c => typeof c.n === 'number' && c.n < k).map(c => c.group ?? 'All');
}

/** The results-only link: {link, message}. */
export async function resultsLink() {
  const { state } = ctx;
  if (!state.report) throw new Error('run an analysis first');
  ctx.checkExport();
  // Model terms name the levels of categorical covariates: never those of an identifier column.
  const ids = identifierColumns(state.schema);
  const idCov = [...(state.spec?.covariates || []), ...(state.spec?.univariable || [])].find(c => ids.has(c));
  if (idCov) throw new Error(`the model uses '${idCov}', which looks like a direct identifier (${ids.get(idCov)}): its values would appear in the results link; remove it from the model first.`);
  const k = sharedLinkK() ?? disclosureK();
  // The fragment is made by the core (the same bytes as `cohort export --as results-link`).
  const fragment = await ctx.serial(() => state.engine.exportKind('results-link', k));
  const text = fragment.replace(/^#results=/, '');
  const bytes = Math.ceil(text.length * 3 / 4);
  if (text.length > MAX_FRAGMENT_CHARS) throw new Error(`the results take ${Math.ceil(bytes / 1024)} KB compressed (curves with very many steps), too much for a link that browsers open: save the figure and the report (JSON) instead.`);
  const small = smallGroups(state.report, k);
  let message = `Results-only link (${Math.ceil(bytes / 1024)} KB): figure, tests and model, no patient rows; counts below ${k} suppressed.`;
  if (small.length) message += ` Groups with fewer than ${k} patients (${small.join(', ')}) are shown as “n < ${k}”.`;
  return { link: `${baseUrl()}#results=${text}`, message, k };
}

/** The confirmation dialog of a data link; resolves true when the user confirms. */
function confirmEmbed(columns, rows) {
  let dlg = $('#embed-dialog');
  if (!dlg) {
    dlg = el('dialog', { id: 'embed-dialog', class: 'embed-dialog', 'aria-labelledby': 'embed-h' },
      el('h2', { id: 'embed-h', text: 'Put the data itself in the link?' }),
      el('p', { id: 'embed-what' }),
      el('ul', {},
        el('li', { text: 'The rows travel inside the link: anyone who has the link has these data, and can forward it.' }),
        el('li', { text: 'The part after # is not sent to the web server, but it is kept in browser history, bookmarks, chat and e-mail logs wherever the link is pasted.' }),
        el('li', { text: 'Only the columns this analysis uses are included; identifier-like columns never are. Make sure the data are de-identified and that sharing them is allowed (ethics approval, data-use agreement).' })),
      el('p', { class: 'muted', text: 'To share without any patient data, use “Share results only”.' }),
      el('div', { class: 'dialog-buttons' },
        el('button', { type: 'button', id: 'embed-cancel', text: 'Cancel' }),
        el('button', { type: 'button', id: 'embed-confirm', class: 'danger', text: 'Embed the data in the link' })));
    document.body.append(dlg);
  }
  $('#embed-what').textContent = `The link will contain ${rows} rows of ${columns.length} column${columns.length === 1 ? '' : 's'}: ${columns.join(', ')}.`;
  return new Promise(resolve => {
    const done = v => { dlg.close(); $('#embed-confirm').onclick = null; $('#embed-cancel').onclick = null; dlg.oncancel = null; resolve(v); };
    $('#embed-confirm').onclick = () => done(true);
    $('#embed-cancel').onclick = () => done(false);
    dlg.oncancel = () => done(false);
    dlg.showModal();
    $('#embed-cancel').focus();
  });
}

async function dataLinkFlow() {
  const { state } = ctx;
  if (!state.report || !state.schema) throw new Error('load a file and run an analysis first');
  ctx.checkExport();
  const ids = identifierColumns(state.schema);
  const { spec } = ctx.sharedSpec();
  const columns = analysisColumns(spec).filter(c => !ids.has(c));
  if (!(await confirmEmbed(columns, state.schema.rows))) {
    $('#action-status').textContent = 'No link made: the data stay in this browser.';
    return null;
  }
  const r = await dataLink(spec, columns);
  await offer(r.link, r.message);
  return r;
}

/** The data link for `spec` embedding `columns` (after the user confirmed): {link, message}. */
export async function dataLink(spec, columns) {
  const { state } = ctx;
  const csv = await ctx.serial(() => state.engine.analysisCsv(columns));
  const linkSpec = { ...spec };
  delete linkSpec.sheet;   // the embedded copy is CSV
  const { text, bytes } = await encodePayload({ v: SHARE_VERSION, kind: 'data', name: 'shared-data.csv', spec: linkSpec, columns, csv });
  if (bytes > MAX_EMBED_BYTES) {
    throw new Error(`the analysis columns take ${Math.ceil(bytes / 1024)} KB compressed, more than the ${MAX_EMBED_BYTES / 1024} KB a link may carry (long links break in e-mail and chat). Share results only, or send the file another way.`);
  }
  return { link: `${baseUrl()}#embed=${text}`, message: `Link with data (${Math.ceil(bytes / 1024)} KB): ${state.schema.rows} rows of ${columns.join(', ')}. Anyone with the link has these rows.` };
}

function banner(kind, text) {
  let b = $('#shared-banner');
  if (!b) {
    b = el('div', { id: 'shared-banner', class: 'panel shared-banner', role: 'status' });
    $('#error').after(b);
  }
  b.className = `panel shared-banner ${kind}`;
  b.replaceChildren(...text);
  b.hidden = false;
}

/**
 * Open a `#results=` or `#embed=` link: returns true when the hash was one (shown, or its error
 * reported), false otherwise.
 */
export async function openSharedLink(hash) {
  const f = sharedFragment(hash);
  if (!f) return false;
  try {
    const payload = await decodePayload(f.text, f.kind === 'results' ? 'results' : 'data');
    if (f.kind === 'results') await openResults(payload);
    else await openEmbedded(payload);
  } catch (e) {
    ctx.showError(e, 'This shared link cannot be opened');
  }
  return true;
}

async function openResults(payload) {
  const { state } = ctx;
  const report = await ctx.serial(() => state.engine.loadShared(JSON.stringify(payload)));
  const k = payload.k;
  setSharedLinkK(k);
  // Suppressed counts read "<k" in the page's tables (the engine's report has 0 there).
  const mark = (obj, sh, keys) => { for (const key of keys) if (obj && sh && key in obj && sh[key] === null) obj[key] = `<${k}`; };
  mark(report, payload, ['n', 'events', 'competing_events']);
  (report.km || []).forEach((c, i) => mark(c, payload.km[i], ['n', 'events']));
  (report.cuminc || []).forEach((c, i) => mark(c, payload.cuminc[i], ['n', 'events']));
  if (report.cox) mark(report.cox, payload.cox, ['n', 'events']);
  report.rows_in_file = typeof report.n === 'number' ? report.n : 0;
  document.body.classList.add('shared-results');
  // The link's k rules this page: shown, not editable.
  const kIn = $('#xp-k');
  if (kIn) { kIn.value = String(k); kIn.dispatchEvent(new Event('change')); kIn.disabled = true; }
  banner('results', [el('strong', { text: 'Shared results — no patient data; explore only.' }),
    ` This page shows the figure, tests and model someone shared (counts below ${k} suppressed, shown as “<${k}”). Nothing can be recomputed from it; drop a data file to start your own analysis.`]);
  const spec = payload.spec && typeof payload.spec === 'object' ? payload.spec : { time: '', event: { column: '', event: [] } };
  await ctx.showShared(spec, report);
}

async function openEmbedded(payload) {
  if (typeof payload.csv !== 'string' || !payload.spec || typeof payload.spec !== 'object') throw new Error('the data link has no data or no analysis in it');
  const rows = Math.max(0, payload.csv.split('\n').filter(Boolean).length - 1);
  await ctx.loadFile(String(payload.name || 'shared-data.csv'), new TextEncoder().encode(payload.csv), payload.spec);
  banner('data', [el('strong', { text: 'Data from a link.' }),
    ` This analysis runs on ${rows} rows of ${(payload.columns || []).join(', ') || 'data'} that were embedded in the link by whoever shared it. They stay in this browser.`]);
}

/** A file was loaded: leave the shared-results view (banner, hidden controls, the link's k). */
export function leaveSharedView() {
  const b = $('#shared-banner');
  if (b) b.hidden = true;
  if (sharedLinkK() == null) return;
  setSharedLinkK(null);
  document.body.classList.remove('shared-results');
  const kIn = $('#xp-k');
  if (kIn) kIn.disabled = false;
}

/** The figure as PNG with counts below k suppressed (drawn again when the page's figure is not). */
export async function figurePng(canvas, options) {
  const { state } = ctx;
  let src = canvas;
  if (options.min_cell !== figureMinCell()) {
    src = document.createElement('canvas');
    src.width = canvas.width;
    src.height = canvas.height;
    await ctx.serial(() => state.engine.draw(src, 'survival', options));
  }
  return new Promise((resolve, reject) => src.toBlob(b => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'));
}
