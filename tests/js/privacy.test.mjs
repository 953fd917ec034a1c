// The privacy guard for identifier-like columns (www/privacy.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { identifierColumns, stripIdentifiers, exportProblem, linkValues } from '../../www/privacy.js';
import { schemaOf, FIXTURES } from './cli.mjs';

// `cohort schema tests/js/fixtures/identifiers.csv`: the core flags patient_name (names in the
// cells) and mrn (its header), not months, status, age or sex.
const schema = schemaOf(path.join(FIXTURES, 'identifiers.csv'));
const ids = identifierColumns(schema);

test('identifier columns are those with a reason', () => {
  assert.deepEqual([...ids.keys()], ['patient_name', 'mrn']);
  assert.match(ids.get('patient_name'), /personal names/);
  assert.match(ids.get('mrn'), /record or patient numbers/);
  assert.equal(identifierColumns(null).size, 0);
});

test('a spec is stripped of every mention of an identifier column, with a note', () => {
  const spec = {
    time: 'months', event: { column: 'status', event: ['1'] }, group: 'mrn', strata: 'sex',
    covariates: ['age', 'patient_name'], table1: ['mrn', 'patient_name'], categorical: ['patient_name'],
    reference: { patient_name: 'Ann Smith', sex: 'F' },
    filters: [{ column: 'mrn', op: 'not_in', values: ['MRN00123'] }, { column: 'age', op: 'ge', value: 18 }],
  };
  const { spec: out, removed } = stripIdentifiers(spec, ids);
  assert.deepEqual(out, {
    time: 'months', event: { column: 'status', event: ['1'] }, strata: 'sex', covariates: ['age'],
    reference: { sex: 'F' }, filters: [{ column: 'age', op: 'ge', value: 18 }],
  });
  assert.deepEqual(removed, ['group: mrn', 'covariates: patient_name', 'table1: mrn', 'table1: patient_name',
    'categorical: patient_name', 'reference level of patient_name', 'filter on mrn']);
  assert.doesNotMatch(JSON.stringify(out), /mrn|patient_name|MRN00123|Ann Smith/);
  // The input is untouched; a spec without identifiers passes through.
  assert.equal(spec.group, 'mrn');
  assert.deepEqual(stripIdentifiers({ time: 't', group: 'sex' }, ids), { spec: { time: 't', group: 'sex' }, removed: [] });
});

test('exports are refused while an identifier groups, stratifies or filters the analysis', () => {
  assert.match(exportProblem({ group: 'mrn' }, ids), /'mrn' \(header suggests record or patient numbers\) as the group/);
  assert.match(exportProblem({ cluster: 'patient_name' }, ids), /cluster/);
  assert.match(exportProblem({ filters: [{ column: 'mrn', op: 'in', values: ['x'] }] }, ids), /filter/);
  assert.equal(exportProblem({ group: 'sex', covariates: ['age'] }, ids), null);
});


test('crossed groups: an identifier among the two group columns is stripped and blocks exports', () => {
  const { spec, removed } = stripIdentifiers({ time: 't', group: ['sex', 'mrn'] }, ids);
  assert.equal(spec.group, 'sex');
  assert.deepEqual(removed, ['group: mrn']);
  assert.deepEqual(stripIdentifiers({ time: 't', group: ['sex', 'age'] }, ids).spec.group, ['sex', 'age']);
  assert.match(exportProblem({ time: 't', group: ['sex', 'mrn'] }, ids), /'mrn'.*as the group/);
});

test('with an identifier group, its hidden groups and the title leave the link too', () => {
  const { spec, removed } = stripIdentifiers({ time: 't', group: 'patient_name', view: { hidden_groups: ['John Smith', 'Jane Doe'], title: 'Jane vs John', percent: true } }, ids);
  assert.equal(spec.group, undefined);
  assert.equal(spec.view.hidden_groups, undefined);
  assert.equal(spec.view.title, undefined);
  assert.equal(spec.view.percent, true);
  assert.ok(!JSON.stringify(spec).includes('Jane'));
  assert.deepEqual(removed, ['group: patient_name', 'hidden groups (values of the group column)', 'figure title']);
});

test('the share status names the data values a settings link carries', () => {
  const v = linkValues({ event: { column: 's', event: ['dead'] }, reference: { site: 'Bern' }, filters: [{ column: 'grade', op: 'in', values: ['G3'] }], view: { hidden_groups: ['B'], title: 'T' } });
  assert.deepEqual(v, ['outcome levels “dead”', 'reference level “Bern” of site', 'filter values of grade: “G3”', 'hidden groups “B”', 'figure title “T”']);
  assert.deepEqual(linkValues({ time: 't' }), []);
});
