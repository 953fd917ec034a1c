// Number formatting for tables and captions, as journals ask.

/** Time values: integers stay integers, others 3 significant digits (one decimal from 100 up). */
export function fmtTime(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return String(Number(x.toFixed(1)));
  return String(Number(x.toPrecision(3)));
}

/** A proportion as a percentage with one decimal ("63.2%"). */
export function fmtPct(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  return (100 * x).toFixed(1) + '%';
}

/**
 * P value as journals ask: two significant digits ("P = 0.013", "P = 0.42"), "P < 0.001" below
 * 0.001, "P > 0.99" above; never "P = 0.000" or "P = 1.0". Same rule as the figure.
 */
export function fmtP(p) {
  if (p == null || !Number.isFinite(p)) return 'P = —';
  if (p < 0.001) return 'P < 0.001';
  if (p > 0.99) return 'P > 0.99';
  return 'P = ' + String(Number(p.toPrecision(2)));
}

export function fmtNum(x, digits = 2) {
  if (x == null || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** Median with its 95% CI: "310 (285–363)", "NR" when not reached, "NR" bounds likewise. */
export function fmtMedian(m, lo, hi) {
  const f = v => (v == null || !Number.isFinite(v) ? 'NR' : fmtTime(v));
  if (m == null) return `NR (${lo == null ? 'NE' : f(lo)}–${f(hi)})`;
  return `${f(m)} (${lo == null ? 'NE' : f(lo)}–${f(hi)})`;
}
