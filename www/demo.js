// The demo cohort: its manifest (www/demo/analyses.json), the analysis picker, the
// description and published figures beside the demo's.

import { state, hooks } from './page.js';
import { option } from './controls.js';
import { $ } from './dom.js';
import { fmtTime } from './format.js';

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

async function loadDemo() {
  const base = new URL('./demo/', import.meta.url);
  let data = 'lung.csv';
  let analyses = { 'Lung cancer (R survival::lung): overall survival by sex': {
    time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', times: [180, 365, 730],
  } };
  let manifest = null;
  try {
    const m = await (await fetchOk(new URL('analyses.json', base))).json();
    if (m && m.data && m.analyses && Object.keys(m.analyses).length) {
      manifest = m;
      data = m.data;
      analyses = m.analyses;
    }
  } catch { /* no manifest: the lung placeholder */ }
  const bytes = new Uint8Array(await (await fetchOk(new URL(data, base))).arrayBuffer());
  const name = data.split('/').pop();
  state.demo = { data, name, analyses, bytes, manifest };
  const names = Object.keys(analyses);
  const sel = $('#demo-analysis');
  sel.replaceChildren(...names.map((n, i) => option(n, demoTitle(n), i === 0)));
  $('#demo-picker').hidden = names.length < 2;
  $('#demo-label').textContent = manifest?.label || 'Demo data: R survival package, lung (NCCTG advanced lung cancer).';
  return { name, bytes, first: analyses[names[0]] };
}

/** The picker's text for a demo analysis: the first sentence of its description, else its key. */
function demoTitle(key) {
  const d = state.demo?.manifest?.descriptions?.[key];
  if (d) {
    const first = d.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
    if (first.length <= 90) return first;
  }
  return key.replace(/_mva$/, ' (multivariable)').replace(/_/g, ' ');
}

/** Description and published figures of the demo analysis the spec matches, if any. */
export function renderDemoInfo() {
  const box = $('#demo-box');
  box.hidden = !state.isDemo;
  $('#demo-note').hidden = !state.isDemo;
  if (!state.isDemo) return;
  const m = state.demo?.manifest;
  const key = Object.keys(state.demo.analyses).find(k => JSON.stringify(stripView(state.demo.analyses[k])) === JSON.stringify(stripView(state.spec)));
  if (key) $('#demo-analysis').value = key;
  $('#demo-desc').textContent = key && m?.descriptions?.[key] ? m.descriptions[key] : '';
  const pub = key && m?.published?.[key];
  let text = '';
  if (pub?.landmarks) {
    text = `Published: ${pub.landmarks.map(l => `${l.percent}% at ${fmtTime(l.time)}`).join(', ')}` + (pub.measure ? ` (${pub.measure})` : '');
    if (pub.median_months != null) text += `; ${pub.median_label || 'median'} ${pub.median_months} months`;
  } else if (pub?.terms) {
    text = 'Published: ' + pub.terms.map(t => `${t.label || t.term} ${t.hr != null ? 'HR ' + t.hr + ', ' : ''}p ${t.p}`).join('; ');
  }
  if (text && m?.source) text += `. ${m.source}`;
  $('#demo-published').textContent = text;
  $('#demo-note').hidden = !$('#demo-desc').textContent && !text;
}

function stripView(spec) {
  if (!spec) return spec;
  const { view, ...rest } = spec;
  return rest;
}

/** Load the demo cohort with `spec` (default: its first analysis). */
export async function openDemo(spec) {
  const demo = state.demo || await loadDemo();
  const report = await hooks.loadBytes(demo.name, demo.bytes, spec || state.demo.analyses[Object.keys(state.demo.analyses)[0]], true);
  return report;
}
