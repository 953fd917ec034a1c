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

/**
 * Median with its 95% CI: "310 (285–363)", "14.6 (5.8–NR)": the bounds with as many decimals as
 * the median (as fmtTime prints it), so that one row never mixes precisions; "NR" when not
 * reached, "NE" for a lower bound that cannot be estimated.
 */
export function fmtMedian(m, lo, hi) {
  const ok = v => v != null && Number.isFinite(v);
  if (!ok(m)) return `NR (${lo == null ? 'NE' : ok(lo) ? fmtTime(lo) : 'NR'}–${ok(hi) ? fmtTime(hi) : 'NR'})`;
  const shown = fmtTime(m);
  const d = (shown.split('.')[1] || '').length;
  const f = v => (ok(v) ? v.toFixed(d) : 'NR');
  return `${shown} (${lo == null ? 'NE' : f(lo)}–${f(hi)})`;
}

/** `n` with its noun, singular for 1: "1 row", "3 rows". */
export function plural(n, one, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}
