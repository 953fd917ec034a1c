// CSV cells for every table the page exports. Spreadsheet programs run a cell that starts with
// =, +, -, @ (or a tab / carriage return before one) as a formula ("CSV injection"): a group label
// or column name from the user's file such as `=HYPERLINK(...)` would run when the export is
// opened. Such cells get a leading apostrophe, which spreadsheets show as text. Plain numbers
// (-0.25, +3, -1e-5) are left alone so that numeric columns stay numeric.

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The text of one CSV cell: formula-like text neutralised, then quoted when needed (RFC 4180). */
export function csvCell(v) {
  let s = v == null ? '' : String(v);
  // Spreadsheets skip leading spaces, no-break spaces and a byte-order mark before a formula.
  if (typeof v !== 'number' && /^[ \u00a0\ufeff\u2007\u202f]*[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line from a list of cells. */
export function csvLine(cells) {
  return cells.map(csvCell).join(',');
}
