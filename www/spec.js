// Pure functions from a file's schema to a sensible first analysis spec, and between a spec and
// the share-link fragment. No DOM here (unit-tested with node --test).

const TIME_NAME = /(^|[._ -])(time|futime|fu|follow|followup|months?|days?|weeks?|years?|os|pfs|dfs|efs|ttp|survival|surv)([._ -]|$)|time|months|days/i;
const EVENT_NAME = /(^|[._ -])(status|event|dead|death|died|censor|cens|fail|failure|outcome|relapse|progress|progression|vital|fstat|lc)([._ -]|$)|status|event|death|censor/i;
const EVENT_VALUE = /^(1|yes|y|true|t|dead|death|deceased|died|event|relapse|relapsed|progression|progressed|failure|failed|fail|recurrence|recurred)$/i;

/**
 * Columns usable as follow-up time: numeric. A column with a few negative values stays one: the
 * engine excludes those rows and names their lines in a warning; the page never switches the
 * analysis to another column because of them.
 */
export function timeCandidates(schema) {
  return schema.columns.filter(c => c.kind === 'numeric');
}

/** What is odd about a column as follow-up time ('' when nothing): for its entry in the picker. */
export function timeProblem(col) {
  if (!col) return '';
  const bits = [];
  if (col.min != null && col.min < 0) bits.push('has negative values');
  if (col.unreadable > 0) bits.push(`${col.unreadable} ${col.unreadable === 1 ? 'cell is' : 'cells are'} not a number`);
  return bits.join(', ');
}

/** Is a column's name one of a follow-up time (time, futime, os_months, ...)? */
export function looksLikeTime(name) {
  return TIME_NAME.test(name) && !EVENT_NAME.test(name);
}

/** Columns usable as an outcome: few distinct values (one is enough in a one-row file). */
export function outcomeCandidates(schema) {
  const least = schema.rows < 2 ? 1 : 2;
  return schema.columns.filter(c => c.levels && c.levels.length >= least && c.levels.length <= 12);
}

/** Days in one time unit (a month is 365.25/12 days, a year 365.25), as the engine's TimeUnit. */
export const UNIT_DAYS = { days: 1, weeks: 7, months: 365.25 / 12, years: 365.25 };

/**
 * The duration column of a spec's time (a name, or `{column, unit, display}`), or '' when time
 * comes from dates.
 */
export function timeColumn(spec) {
  const t = spec?.time;
  return typeof t === 'string' ? t : (t && typeof t.column === 'string' ? t.column : '');
}

/** Factor from the recorded time column to the report's time unit (1 without a unit). */
export function timeFactor(spec) {
  const t = spec?.time;
  if (!t || typeof t !== 'object' || !t.unit || !UNIT_DAYS[t.unit]) return 1;
  return UNIT_DAYS[t.unit] / UNIT_DAYS[t.display || t.unit];
}

/** The grouping columns of a spec: `group` is one name or a list of up to two (crossed). */
export function groupColumns(spec) {
  return [].concat(spec?.group || []).filter(Boolean);
}

/** A spec's grouping as text: `sex`, or `sex × ph.ecog` when crossed. */
export function groupLabel(spec) {
  return groupColumns(spec).join(' × ');
}

/** Columns usable to compare groups: categorical, or numeric with few values. */
export function groupCandidates(schema) {
  return schema.columns.filter(c => c.levels && c.levels.length >= 2 && c.levels.length <= 12 && c.kind !== 'identifier');
}

/**
 * Which values of an outcome column mean the event: the usual codes (1, yes, true, dead, death,
 * event, died, relapse...), or 2 when the values are 1/2 (R's `lung`: 1 = censored, 2 = dead).
 */
export function defaultEventValues(levels) {
  if (!levels || levels.length === 0) return [];
  const set = new Set(levels.map(String));
  if (set.size === 2 && set.has('1') && set.has('2')) return ['2'];
  const hit = levels.filter(v => EVENT_VALUE.test(String(v).trim()));
  if (hit.length) return hit.slice(0, 1);
  // Numeric 0/1/2... codes: the smallest non-zero code.
  const nonzero = levels.filter(v => v !== '0' && !/^(no|n|false|f|alive|censored|0)$/i.test(v));
  return nonzero.slice(0, 1);
}

/** A first spec for a schema: best-guess time and outcome, ungrouped. */
export function defaultSpec(schema) {
  const times = timeCandidates(schema);
  const outcomes = outcomeCandidates(schema);
  // A column named like a time that is not numeric (mostly text) is never silently replaced by
  // another column: the user is asked to choose (noSpecReason says why).
  if (schema.columns.some(c => looksLikeTime(c.name) && c.kind !== 'numeric')) return null;
  const time = times.find(c => looksLikeTime(c.name))
    || times.find(c => c.distinct > 12 && !(c.min < 0)) || times.find(c => !(c.min < 0));
  // An outcome-named column with one value in every row (all censored, or all dead) cannot say
  // which value is the event: ask, rather than analyse another two-valued column (sex).
  if (schema.rows > 1 && !outcomes.some(c => EVENT_NAME.test(c.name) && c.name !== time?.name)
    && schema.columns.some(c => singleValued(c) && EVENT_NAME.test(c.name))) return null;
  const event = outcomes.find(c => EVENT_NAME.test(c.name) && c.name !== time?.name)
    || outcomes.find(c => c.levels.length === 2 && c.name !== time?.name);
  if (!time || !event) return null;
  const spec = {
    time: time.name,
    event: { column: event.name, event: defaultEventValues(event.levels) },
    // Table 1 counts a few integer codes (sex 1/2, ECOG 0–4) and site numbers as categories.
    table1_codes: true,
  };
  const lm = defaultLandmarks(time.max);
  if (lm.length) spec.times = lm;
  return spec;
}

/**
 * Two or three round landmark times inside the follow-up range (6/12/24 months, 180/365/730 days,
 * 1/2/5 years...): of the usual sets, the one whose last time covers most of the follow-up (below
 * 90% of the longest time), at least two times; else two round steps.
 */
export function defaultLandmarks(max) {
  if (!(max > 0)) return [];
  const candidates = [[6, 12, 24], [12, 24, 60], [180, 365, 730], [1, 2, 5], [0.5, 1, 2]];
  let best = [], cover = 0;
  for (const c of candidates) {
    const inside = c.filter(t => t < max * 0.9);
    if (inside.length < 2) continue;
    const f = inside[inside.length - 1] / max;
    if (f > cover + 1e-12 || (Math.abs(f - cover) <= 1e-12 && inside.length > best.length)) { best = inside; cover = f; }
  }
  if (best.length) return best;
  const step = niceStep(max / 3);
  return [step, 2 * step].filter(t => t < max);
}

function niceStep(x) {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  const m = x / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Parse "6, 12, 24" into sorted unique non-negative numbers; throws with the bad entry named. */
export function parseLandmarks(text) {
  const out = [];
  for (const part of String(text).split(/[,;\s]+/).filter(Boolean)) {
    const x = Number(part);
    if (!Number.isFinite(x) || x < 0) throw new Error(`landmark time "${part}" is not a number ≥ 0`);
    out.push(x);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The fragment of a share link: `#spec=<URI-encoded JSON>`. Carries the spec only, never data. */
export function specToHash(spec) {
  return '#spec=' + encodeURIComponent(JSON.stringify(spec));
}

/** Largest `#spec=` fragment and deepest nesting of its JSON that a link may carry. */
export const SPEC_LINK_MAX_CHARS = 64 * 1024;
export const SPEC_LINK_MAX_DEPTH = 16;

/** Deepest nesting of arrays and objects in JSON text (strings skipped), read without parsing. */
function jsonDepth(text) {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

/** The spec in a location hash, or null. Throws when the fragment is present but broken. */
export function specFromHash(hash) {
  const m = /^#?(?:.*&)?spec=([^&]*)/.exec(hash || '');
  if (!m) return null;
  if (m[1].length > SPEC_LINK_MAX_CHARS) {
    throw new Error(`the link's #spec= part is ${Math.round(m[1].length / 1024)} KB, more than an analysis spec can be (${SPEC_LINK_MAX_CHARS / 1024} KB): ask for a new link`);
  }
  let text;
  try {
    text = decodeURIComponent(m[1]);
  } catch {
    throw new Error('the link\'s #spec= part is not correctly encoded');
  }
  if (jsonDepth(text) > SPEC_LINK_MAX_DEPTH) {
    throw new Error(`the link's #spec= part is nested more than ${SPEC_LINK_MAX_DEPTH} levels deep, which no analysis spec is: ask for a new link`);
  }
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new Error(`the link's #spec= part is not valid JSON (${e.message})`);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new Error('the link\'s #spec= part is not an analysis spec');
  return spec;
}

/**
 * Why a schema has no first spec, in words for a clinician: which column could be follow-up
 * time and why it cannot, or that no outcome column was found; and what to do.
 */
export function noSpecReason(schema) {
  if (schema.rows < 2) {
    return `${schema.name} has only ${schema.rows} data row: there is no outcome column to guess (a single value). Choose the follow-up time and the outcome on the left, or load the whole sheet.`;
  }
  const named = schema.columns.filter(c => looksLikeTime(c.name) && c.kind !== 'numeric');
  if (named.length) {
    const c = named[0];
    // The core writes each example as "line 5: 'unknown'" (already quoted, with its line).
    const examples = (c.unreadable_examples || []).slice(0, 3).join(', ');
    return `the column '${c.name}' looks like the follow-up time but was read as ${c.kind === 'date' ? 'dates' : 'text'}` +
      (examples ? ` (${examples})` : '') +
      '. Correct those cells in the spreadsheet and load it again, or choose the follow-up time and outcome on the left.';
  }
  const single = schema.columns.find(c => singleValued(c) && EVENT_NAME.test(c.name));
  if (single && schema.rows > 1 && !outcomeCandidates(schema).some(c => EVENT_NAME.test(c.name))) {
    return `the outcome column '${single.name}' has the same value ('${single.levels[0]}') in every row, so the page cannot tell whether it means the event or censoring. Choose the outcome on the left and say what '${single.levels[0]}' means.`;
  }
  const times = timeCandidates(schema);
  if (!times.length) {
    const dates = schema.columns.filter(c => c.kind === 'date');
    return dates.length >= 2
      ? 'no column holds follow-up durations: choose "From dates" under Follow-up time on the left (a start and an end date).'
      : `no column of this file holds numbers that could be follow-up times (columns: ${schema.columns.map(c => `${c.name} (${c.kind})`).join(', ')}). Add a column of follow-up durations, or a start and an end date, and load the file again.`;
  }
  return 'no column looks like an outcome (a column with a few values such as 0/1 or alive/dead): choose the follow-up time and the outcome on the left.';
}

/** A sentence about how the spec's follow-up column was chosen when it was a guess, else ''. */
export function timeNote(schema, spec) {
  const name = timeColumn(spec);
  if (!name || !schema) return '';
  const col = schema.columns.find(c => c.name === name);
  const bits = [];
  if (col?.min != null && col.min < 0) bits.push('has negative values');
  if (col?.unreadable > 0) bits.push(`has ${col.unreadable === 1 ? 'a cell that is' : `${col.unreadable} cells that are`} not a number`);
  if (bits.length) return `follow-up time '${name}' ${bits.join(' and ')}: those rows are excluded, see the warnings`;
  if (!looksLikeTime(name)) return `no column is named like a follow-up time, so '${name}' was taken: check it`;
  return '';
}

/** A column with exactly one distinct value. */
function singleValued(col) {
  return !!col.levels && col.levels.length === 1;
}
