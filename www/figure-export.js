// The export panel's "Figure for print (PNG, 300 dpi)" (issue 20): the survival figure as the journal figure,
// double column (180 mm) at PNG_DPI, made by the on-demand manuscript module (www/engine.js
// `manuscriptExport`, fetched on the first click only) from the loaded file and the analysis the
// engine last ran, through the core's disclosure module with the panel's k — the bytes of
// `cohort export DATA --spec SPEC --k K --as figure-png --dpi 300 --options OPTIONS`, as the
// Paper view's downloads are. The options and spec used are left on the button
// (data-options, data-spec) so that a test can ask the command line for the same file.
//
// Where the manuscript module cannot read the data (a workbook or Parquet file: its readers are
// in the workbook module only; a report opened from a results link: no data), `exportBlocked`
// says why and what to do; "Save figure (PNG)" (the canvas) stays for those.

/** The spec of the page's own analysis (the engine's 'page' view), or null. */
function pageSpec(engine) {
  return engine?.views?.get('page')?.spec ?? null;
}

/** Resolution of the panel's PNG (the manuscript exports' default, what journals ask for). */
export const PNG_DPI = 300;

/**
 * Why the figure for print cannot be made now (a sentence saying what to do), or null: it is
 * the survival figure drawn again from the loaded data file by the manuscript module.
 */
export function exportBlocked(engine, figure) {
  if (figure === 'adjusted') return 'the figure for print is the survival figure: switch the figure back from the adjusted curves, or save the adjusted curves with "Save figure (PNG)"';
  if (!engine?.file) return 'the figure for print is drawn again from the data file: open the data file (a results link carries no data); "Save figure (PNG)" saves the figure shown';
  if (/\.(xlsx|xlsm|xlsb|xls|ods|parquet)$/i.test(engine.file.name || '')) return `the figure for print reads CSV or TSV files only (not ${engine.file.name}): save the sheet as CSV and open that, or use "Save figure (PNG)"`;
  if (!pageSpec(engine)) return 'run an analysis first';
  return null;
}

/**
 * The PNG (a Blob): `plotOptions` are the page's figure options (curves, bands, labels...);
 * the preset sets the size and fonts, so the canvas's font_scale and the figure's own k are
 * left out (the export's k is `k`).
 */
export async function manuscriptPng(engine, k, plotOptions, button) {
  const { manuscriptExport } = await import('./engine.js');
  const file = engine.file;
  const spec = JSON.stringify(pageSpec(engine));
  const bytes = file.bytes ? file.bytes : new Uint8Array(await file.blob.arrayBuffer());
  const options = { ...plotOptions, preset: 'double', dpi: PNG_DPI };
  delete options.font_scale;
  delete options.min_cell;
  if (button) {
    button.dataset.options = JSON.stringify(options);
    button.dataset.spec = spec;
  }
  const out = await manuscriptExport(bytes, file.name, JSON.parse(spec), 'figure-png', k, options);
  return new Blob([out], { type: 'image/png' });
}
