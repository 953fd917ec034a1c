// Screenshots of the views issue 13/14's remnants changed, for a person to look at (not a test):
//   node tests/browser/screenshots.mjs      (after `COHORT_PROFILE=dev bash scripts/build.sh`
//                                            and `cargo build --bin cohort`)
// writes target/browser-tests/shots/*.png: the page with labelled crossed groups and a labelled
// model, a pandas export (ACTG175 shape) with its row-number note and covariate list, and the
// exports at k = 5 rendered by the browser: the PH-residual plot (pooled), the survival figure
// (coarsened, marks only in pools of k censorings) and the flow diagram.

import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, setSpec, REFERENCE_DIR, OUT, ROOT, idle } from './helpers.mjs';
import { cohort } from '../js/cli.mjs';

const SHOTS = path.join(OUT, 'shots');
fs.mkdirSync(SHOTS, { recursive: true });
const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const LABELS = { levels: { sex: { 1: 'Male', 2: 'Female' }, 'ph.ecog': { 0: 'asymptomatic', 1: 'symptomatic', 2: 'in bed <50%', 3: 'in bed >50%' } } };

const app = await start();
try {
  const { page } = await app.newPage();
  await page.setViewportSize({ width: 1280, height: 1600 });

  // 1. Crossed groups and model terms with level labels.
  await loadFile(page, LUNG);
  await setSpec(page, { time: 'time', event: { column: 'status', event: ['2'] }, group: ['sex', 'ph.ecog'], covariates: ['age', 'ph.ecog'], categorical: ['ph.ecog'], labels: LABELS });
  await idle(page);
  await page.screenshot({ path: path.join(SHOTS, 'labels-crossed.png'), fullPage: true });

  // 2. A pandas export: the row-number column's note and the covariate list without it.
  const actg = path.join(ROOT, 'tests/messy/actg175_pandas.csv');
  await loadFile(page, actg);
  await setSpec(page, { time: 'days', event: { column: 'cid', event: ['1'] }, group: 'arms' });
  await idle(page);
  await page.screenshot({ path: path.join(SHOTS, 'pandas-actg175.png'), fullPage: true });

  // 3. Exports at k = 5, rendered by the browser.
  const svgShot = async (name, svg) => {
    await page.setContent(`<body style="margin:0;background:#fff"><img id="i" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body>`);
    await page.waitForFunction(() => document.querySelector('#i').complete);
    await page.locator('#i').screenshot({ path: path.join(SHOTS, name) });
  };
  const vet = path.join(REFERENCE_DIR, 'veteran.csv');
  const vspec = JSON.stringify({ time: 'time', event: { column: 'status', event: ['1'] }, covariates: ['karno', 'age'] });
  await svgShot('ph-residuals-k5.png', cohort('export', vet, '--spec', vspec, '--k', '5', '--as', 'ph-residuals-svg', '--size', '1400x620'));
  const lspec = JSON.stringify({ time: 'time', event: { column: 'status', event: ['2'] }, group: 'ph.ecog', times: [180, 365] });
  await svgShot('survival-k5.png', cohort('export', LUNG, '--spec', lspec, '--k', '5', '--as', 'figure-svg', '--size', '1200x800'));
  await svgShot('survival-k1.png', cohort('export', LUNG, '--spec', lspec, '--k', '1', '--as', 'figure-svg', '--size', '1200x800'));
  await svgShot('flow-k5.png', cohort('export', LUNG, '--spec', lspec, '--k', '5', '--as', 'flow-svg', '--size', '1200x700'));
  console.log(`screenshots in ${SHOTS}`);
} finally {
  await app.close();
}
