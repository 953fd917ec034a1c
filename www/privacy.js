// The privacy guard for identifier-like columns (names, record numbers, phone numbers, e-mail
// addresses, dates of birth: the engine sets `identifier_reason` in the schema and never lists
// their values). The page names them in a notice, keeps them out of the share link unless the
// user opts in, and keeps their values out of every export. Pure functions: unit-tested in
// tests/js/privacy.test.mjs.

/** Map column name → reason, for the schema's identifier-like columns. */
export function identifierColumns(schema) {
  const out = new Map();
  for (const c of schema?.columns || []) if (c.identifier_reason) out.set(c.name, c.identifier_reason);
  return out;
}

/** Spec keys holding one column name; keys holding lists of column names. */
const ONE = ['group', 'strata', 'cluster'];
const LIST = ['covariates', 'table1', 'univariable', 'categorical'];

/**
 * The spec without any mention of the identifier columns `ids` (a Map or Set of names), for a
 * share link. Returns {spec, removed: ['group: mrn', ...]}. The time and outcome columns are kept
 * (the analysis needs them; they are never identifiers in a usable spec).
 */
export function stripIdentifiers(spec, ids) {
  const removed = [];
  if (!spec || !ids || !ids.size) return { spec, removed };
  const out = JSON.parse(JSON.stringify(spec));
  const groupBefore = JSON.stringify(out.group ?? null);
  for (const k of ONE) {
    if (typeof out[k] === 'string' && ids.has(out[k])) { removed.push(`${k}: ${out[k]}`); delete out[k]; }
  }
  // Crossed groups: a list of up to two columns; one left stays a plain string.
  if (Array.isArray(out.group)) {
    for (const c of out.group) if (ids.has(c)) removed.push(`group: ${c}`);
    const keep = out.group.filter(c => !ids.has(c));
    if (keep.length > 1) out.group = keep; else if (keep.length) out.group = keep[0]; else delete out.group;
  }
  // The hidden groups are values of the group column: they go with it (and the title, which may
  // name them).
  if (JSON.stringify(out.group ?? null) !== groupBefore && out.view && typeof out.view === 'object') {
    if (out.view.hidden_groups) { removed.push('hidden groups (values of the group column)'); delete out.view.hidden_groups; }
    if (out.view.title) { removed.push('figure title'); delete out.view.title; }
  }
  for (const k of LIST) {
    if (!Array.isArray(out[k])) continue;
    const keep = out[k].filter(c => !(typeof c === 'string' && ids.has(c)));
    for (const c of out[k]) if (typeof c === 'string' && ids.has(c)) removed.push(`${k}: ${c}`);
    if (keep.length) out[k] = keep; else delete out[k];
  }
  if (out.reference && typeof out.reference === 'object') {
    for (const c of Object.keys(out.reference)) if (ids.has(c)) { removed.push(`reference level of ${c}`); delete out.reference[c]; }
    if (!Object.keys(out.reference).length) delete out.reference;
  }
  if (Array.isArray(out.filters)) {
    const keep = out.filters.filter(f => !ids.has(f?.column));
    for (const f of out.filters) if (ids.has(f?.column)) removed.push(`filter on ${f.column}`);
    if (keep.length) out.filters = keep; else delete out.filters;
  }
  return { spec: out, removed };
}

/**
 * Why the current analysis cannot be exported without showing identifier values, or null: it
 * groups, stratifies or clusters by an identifier-like column, or filters on its values (group
 * labels, strata and filter values would appear in the report, the tables and the scripts).
 */
export function exportProblem(spec, ids) {
  if (!spec || !ids || !ids.size) return null;
  for (const k of ['group', 'strata', 'cluster']) {
    for (const c of [].concat(spec[k] || [])) {
      if (typeof c === 'string' && ids.has(c)) {
        return `the analysis uses '${c}' (${ids.get?.(c) || 'identifier-like'}) as ${k === 'group' ? 'the group' : k}, so its values would appear in the export: choose another column first.`;
      }
    }
  }
  const f = (spec.filters || []).find(x => ids.has(x?.column));
  if (f) return `a subgroup filter uses values of '${f.column}' (${ids.get?.(f.column) || 'identifier-like'}): remove it before exporting.`;
  const ref = Object.keys(spec.reference || {}).find(c => ids.has(c));
  if (ref) return `the reference level of '${ref}' is one of its values: remove '${ref}' from the model before exporting.`;
  return null;
}

/**
 * The data values a settings link carries (not column names): outcome levels, reference levels,
 * filter values, hidden groups and the figure title, as short phrases for the share status.
 */
export function linkValues(spec) {
  const out = [];
  const ev = spec?.event || {};
  const levels = [...(ev.event || []), ...(ev.competing || []), ...(ev.censored || [])];
  if (levels.length) out.push(`outcome levels ${levels.map(v => `“${v}”`).join(', ')}`);
  for (const [c, v] of Object.entries(spec?.reference || {})) out.push(`reference level “${v}” of ${c}`);
  for (const f of spec?.filters || []) {
    if (Array.isArray(f?.values) && f.values.length) out.push(`filter values of ${f.column}: ${f.values.map(v => `“${v}”`).join(', ')}`);
    else if (f?.value != null) out.push(`filter ${f.column} ${f.op} ${f.value}`);
  }
  const hidden = spec?.view?.hidden_groups || [];
  if (hidden.length) out.push(`hidden groups ${hidden.map(v => `“${v}”`).join(', ')}`);
  if (spec?.view?.title) out.push(`figure title “${spec.view.title}”`);
  return out;
}
