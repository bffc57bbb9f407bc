import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicalEvent, InvalidRecord, PersonEvent, ReaderOutput } from '../source-event.ts';
import { CsvMappingConfigError } from './csv-mapping-config.ts';
import { readCsvSource, type ReadCsvSourceOptions } from './csv-source-reader.ts';

async function collect(configPath: string, options: ReadCsvSourceOptions = {}): Promise<ReaderOutput[]> {
  const out: ReaderOutput[] = [];
  for await (const o of readCsvSource(configPath, options)) out.push(o);
  return out;
}

function invalids(out: readonly ReaderOutput[]): InvalidRecord[] {
  return out.filter((o): o is InvalidRecord => o.kind === 'invalid');
}

const NOW = new Date('2026-01-01T00:00:00Z');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let caseNo = 0;
/** Writes the files of one case into its own folder and returns the config's path. */
async function writeCase(config: object, files: Record<string, string | Buffer>): Promise<string> {
  caseNo += 1;
  const caseDir = join(dir, `case-${caseNo}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(caseDir));
  for (const [name, content] of Object.entries(files)) await writeFile(join(caseDir, name), content);
  const configPath = join(caseDir, 'mapping.json');
  await writeFile(configPath, JSON.stringify(config));
  return configPath;
}

const PATIENTS = {
  path: 'patients.csv',
  kind: 'person',
  resourceType: 'Patient',
  id: 'patient_id',
  columns: { birthDate: 'birth_date', gender: { column: 'sex', system: 'hospital-c-gender' } },
};
const CONDITIONS = {
  path: 'conditions.csv',
  kind: 'clinical',
  resourceType: 'Condition',
  id: 'condition_id',
  columns: {
    personRef: 'patient_id',
    start: 'start_date',
    concept: { column: 'code', system: 'hospital-c-diagnosis', display: 'description' },
  },
  fixed: { domainHint: 'condition' },
};
const LABS = {
  path: 'labs*.csv',
  kind: 'clinical',
  resourceType: 'Lab',
  id: 'lab_id',
  columns: {
    personRef: 'patient_id',
    start: 'taken',
    concept: { column: 'test', system: 'hospital-c-lab' },
    valueNumber: 'result',
    unit: { column: 'unit', system: 'http://unitsofmeasure.org' },
  },
  fixed: { domainHint: 'measurement' },
};

describe('readCsvSource() on bad input', () => {
  it('turns a malformed date into an InvalidRecord with file and line, and loads the rest', async () => {
    const config = await writeCase(
      { source: 'c', dateFormats: ['dd-mm-yyyy'], files: [PATIENTS, CONDITIONS] },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,01-02-1980,M\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,code,description\nc1,p1,15-01-2020,D1,Flu\nc2,p1,31-02-2020,D2,Cold\nc3,p1,01-03-2020,D3,Cough\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['person', 'clinical', 'invalid', 'clinical']);
    const [bad] = invalids(out);
    expect(bad?.reason).toBe(
      "conditions.csv line 3: column 'start_date' value '31-02-2020' is not a valid dd-mm-yyyy date (February 2020 has 29 days, not day 31)",
    );
    expect(bad?.location).toEqual({ file: join(config, '..', 'conditions.csv'), line: 3 });
    expect(bad?.raw).toBe('c2,p1,31-02-2020,D2,Cold');
    expect(bad?.recordId).toBe('Condition/c2');
    expect((out[1] as ClinicalEvent).start).toBe('2020-01-15');
    expect((out[1] as ClinicalEvent).personRef).toBe('Patient/p1');
  });

  it('reports a file that lacks a named column once, for the whole file, and reads the other files', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [{ ...CONDITIONS, columns: { ...CONDITIONS.columns, start: 'datum' } }, PATIENTS],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,code\nc1,p1,2020-01-15,D1\nc2,p1,2020-01-16,D2\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['invalid', 'person']);
    const bad = out[0] as InvalidRecord;
    expect(bad.location).toEqual({ file: join(config, '..', 'conditions.csv'), line: 1 });
    expect(bad.reason).toBe(
      "conditions.csv: mapping.json files[0].columns.concept.display names column 'description', which the file lacks; " +
        "mapping.json files[0].columns.start names column 'datum', which the file lacks " +
        '(its columns: condition_id, patient_id, start_date, code); no row of the file was read (2 data rows)',
    );
    expect(bad.raw).toBe('condition_id,patient_id,start_date,code');
  });

  it('suggests the header column that a misspelt column name probably means', async () => {
    const config = await writeCase(
      { source: 'c', files: [{ ...PATIENTS, columns: { ...PATIENTS.columns, birthDate: 'birth_dtae' } }] },
      { 'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n' },
    );
    const out = await collect(config, { now: NOW });
    expect(invalids(out)[0]?.reason).toContain(
      "mapping.json files[0].columns.birthDate names column 'birth_dtae', which the file lacks (did you mean 'birth_date'?)",
    );
  });

  it('rejects a non-numeric value in a numeric column, keeping comparators of numeric ones', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS, LABS] },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'labs.csv':
          'lab_id,patient_id,taken,test,result,unit\nl1,p1,2020-01-01,HB,8.1,mmol/L\nl2,p1,2020-01-01,HB,high,mmol/L\nl3,p1,2020-01-01,CRP,<5,mg/L\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['person', 'clinical', 'invalid', 'clinical']);
    expect((out[1] as ClinicalEvent).value).toEqual({
      number: 8.1,
      unit: { system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    });
    expect(invalids(out)[0]?.reason).toBe("labs.csv line 3: column 'result' value 'high' is not a number");
    expect((out[3] as ClinicalEvent).value).toMatchObject({ number: 5, operator: '<' });
  });

  it('rejects birth dates in the future or before 1900, and death before birth', async () => {
    const config = await writeCase(
      { source: 'c', files: [{ ...PATIENTS, columns: { ...PATIENTS.columns, deathDate: 'death_date' } }] },
      {
        'patients.csv':
          'patient_id,birth_date,sex,death_date\np1,1980-02-01,M,\np2,2199-01-01,F,\np3,1850-06-01,F,\np4,1990-01-01,F,1989-01-01\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['person', 'invalid', 'invalid', 'invalid']);
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "patients.csv line 3: birth date 2199-01-01 (column 'birth_date') lies in the future",
      "patients.csv line 4: birth date 1850-06-01 (column 'birth_date') lies before 1900",
      'patients.csv line 5: death date 1989-01-01 lies before birth date 1990-01-01',
    ]);
  });

  it('rejects a person without birth date, events in the future and ends before starts', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [PATIENTS, { ...CONDITIONS, columns: { ...CONDITIONS.columns, end: 'end_date' } }],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\np2,,F\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,end_date,code,description\nc1,p1,2020-01-15,2020-01-14,D1,x\nc2,p1,2030-01-15,,D1,x\nc3,p1,2020-01-15,2020-01-15,D1,x\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['person', 'invalid', 'invalid', 'invalid', 'clinical']);
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "patients.csv line 3: column 'birth_date' (birthDate) is empty; OMOP needs a year of birth",
      'conditions.csv line 2: end 2020-01-14 lies before start 2020-01-15',
      "conditions.csv line 3: start 2030-01-15 (column 'start_date') lies in the future",
    ]);
    const shifted = await collect(config, { now: new Date('2200-01-01T00:00:00Z') });
    expect(shifted.filter((o) => o.kind === 'invalid')).toHaveLength(2);
  });

  it('reads semicolons, decimal commas and dd-mm-yyyy HH:mm dates', async () => {
    const config = await writeCase(
      {
        source: 'c',
        delimiter: ';',
        decimalComma: true,
        dateFormats: ['dd-mm-yyyy HH:mm', 'dd-mm-yyyy'],
        files: [PATIENTS, LABS],
      },
      {
        'patients.csv': 'patient_id;birth_date;sex\np1;01-02-1980;M\n',
        'labs.csv':
          'lab_id;patient_id;taken;test;result;unit\nl1;p1;03-02-2021 14:05;HB;5,4;mmol/L\nl2;p1;03-02-2021;HB;5.4;mmol/L\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect((out[0] as PersonEvent).birthDate).toBe('1980-02-01');
    expect(out[1]).toMatchObject({ kind: 'clinical', start: '2021-02-03T14:05:00', value: { number: 5.4 } });
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "labs.csv line 3: column 'result' value '5.4' is not a number with a decimal comma (the config says this file uses a decimal comma)",
    ]);
  });

  it('decodes latin1 and windows-1252 files', async () => {
    const rows = 'lab_id,patient_id,taken,test,result,unit\nl1,p1,2021-02-03,Hämoglobin,8,µmol/L\n';
    const config = await writeCase(
      {
        source: 'c',
        files: [
          PATIENTS,
          { ...LABS, path: 'labs-latin1.csv', encoding: 'latin1', idPrefix: 'LabA' },
          { ...LABS, path: 'labs-cp1252.csv', encoding: 'windows-1252', idPrefix: 'LabB' },
        ],
      },
      {
        'patients.csv': '\uFEFFpatient_id,birth_date,sex\np1,1980-02-01,M\n',
        'labs-latin1.csv': Buffer.from(rows, 'latin1'),
        'labs-cp1252.csv': Buffer.concat([
          Buffer.from(rows, 'latin1'),
          Buffer.from('l2,p1,2021-02-03,\x80uro,1,mg\n', 'latin1'),
        ]),
      },
    );
    const out = await collect(config, { now: NOW });
    expect(invalids(out)).toEqual([]);
    const labs = out.filter((o): o is ClinicalEvent => o.kind === 'clinical');
    expect(labs.map((l) => l.concept.codings[0]?.code)).toEqual(['Hämoglobin', 'Hämoglobin', '€uro']);
    expect(labs[0]?.value?.unit?.code).toBe('µmol/L');
    expect(labs.map((l) => l.sourceId)).toEqual(['LabA/l1', 'LabB/l1', 'LabB/l2']);
  });

  it('refuses a UTF-16 file as a whole, saying how to save it', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS] },
      {
        'patients.csv': Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from('patient_id,birth_date,sex\r\np1,1980-02-01,M\r\n', 'utf16le'),
        ]),
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out).toHaveLength(1);
    expect((out[0] as InvalidRecord).reason).toBe(
      'patients.csv line 1: the CSV cannot be parsed from this line on (the file is UTF-16 (a byte-order mark says so); save it as CSV in UTF-8); the rows from line 1 to the end of the file were not read',
    );
  });

  it('keeps true line numbers across quoted line breaks, CRLF and empty lines', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS, CONDITIONS] },
      {
        'patients.csv': 'patient_id,birth_date,sex\r\np1,1980-02-01,M\r\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,code,description\r\nc1,p1,2020-01-15,D1,"two\r\nlines"\r\n\r\nc2,p1,2020-01-16,D2,x\r\nc3,p1,2020-01-17,D3\r\nc4,p1,2020-01-18,D4,"a ""quoted"", value"\r\n',
      },
    );
    const out = await collect(config, { now: NOW });
    const conditions = out.filter((o) => o.resourceType === 'Condition');
    expect(conditions.map((o) => [o.kind, o.location.line])).toEqual([
      ['clinical', 2],
      ['clinical', 5],
      ['invalid', 6],
      ['clinical', 7],
    ]);
    expect((conditions[0] as ClinicalEvent).concept.codings[0]?.display).toBe('two\r\nlines');
    expect((conditions[2] as InvalidRecord).reason).toBe(
      'conditions.csv line 6: the row has 4 fields but the header has 5',
    );
    expect((conditions[3] as ClinicalEvent).raw).toBe('c4,p1,2020-01-18,D4,"a ""quoted"", value"');
  });

  it('reads files whose line endings are mixed (CRLF and LF)', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS] },
      {
        'patients.csv':
          'patient_id,birth_date,sex\r\np1,1980-02-01,M\r\np2,1981-02-01,F\np3,1982-02-01,"F\n"\n\np4,1983-02-01,M',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => [o.kind, o.location.line, o.kind === 'person' ? o.sourceId : ''])).toEqual([
      ['person', 2, 'Patient/p1'],
      ['person', 3, 'Patient/p2'],
      ['person', 4, 'Patient/p3'],
      ['person', 7, 'Patient/p4'],
    ]);
  });

  it('stops a file at an unclosed quote, saying which lines were not read', async () => {
    const config = await writeCase(
      { source: 'c', files: [CONDITIONS, PATIENTS] },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,code,description\nc1,p1,2020-01-15,D1,ok\nc2,p1,2020-01-16,D2,"never closed\nc3,p1,2020-01-17,D3,x\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['clinical', 'invalid', 'person']);
    expect((out[1] as InvalidRecord).location.line).toBe(3);
    expect((out[1] as InvalidRecord).reason).toMatch(
      /^conditions\.csv line 3: the CSV cannot be parsed from this line on \(.*\); the rows from line 3 to the end of the file were not read$/,
    );
  });

  it('gives up on a never-closed quote after 4 MiB instead of buffering the rest of the file', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS] },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,"M\n' + 'p2,1980-02-01,M\n'.repeat(400_000),
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out).toHaveLength(1);
    expect((out[0] as InvalidRecord).reason).toMatch(
      /^patients\.csv line 2: the CSV cannot be parsed from this line on \(Max Record Size/,
    );
  });

  it('names missing required values, reads globbed files in order, and skips rows by rule', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [
          PATIENTS,
          { ...LABS, skip: [{ column: 'status', values: ['cancelled'] }] },
          { ...PATIENTS, path: 'nope.csv' },
          { ...LABS, path: 'micro*.csv', idPrefix: 'Micro' },
        ],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'labs_2021.csv':
          'lab_id,patient_id,taken,test,result,unit,status\nl2,,2021-01-01,HB,8,mmol/L,final\nl3,p1,2021-01-01,HB,8,mmol/L,cancelled\n',
        'labs_2020.csv': 'lab_id,patient_id,taken,test,result,unit,status\nl1,p1,,,8,mmol/L,final\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => [o.kind, o.location.file.split('/').pop(), o.location.line])).toEqual([
      ['person', 'patients.csv', 2],
      ['invalid', 'labs_2020.csv', 2],
      ['invalid', 'labs_2021.csv', 2],
      ['skipped', 'labs_2021.csv', 3],
      ['invalid', 'nope.csv', undefined],
      ['invalid', 'micro*.csv', undefined],
    ]);
    expect(out[3]).toMatchObject({
      recordId: 'Lab/l3',
      reason: "column 'status' is 'cancelled' (a skip rule of mapping.json)",
    });
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "labs_2020.csv line 2: column 'test' (concept) is empty; column 'taken' (start) is empty",
      "labs_2021.csv line 2: column 'patient_id' (personRef) is empty",
      'nope.csv: the file does not exist; nothing was read (mapping.json files[2])',
      `micro*.csv: mapping.json files[3].path matches no file in ${join(config, '..')}; nothing was read for it`,
    ]);
  });

  it('throws CsvMappingConfigError for an invalid config before reading anything', async () => {
    const config = await writeCase({ source: 'c', files: [{ ...CONDITIONS, kind: 'lab' }] }, {});
    await expect(collect(config)).rejects.toThrow(CsvMappingConfigError);
    await expect(collect(config)).rejects.toThrow(
      "mapping.json: files[0].kind must be one of person, visit, visitDetail, clinical, careSite (got 'lab')",
    );
  });
});

describe('readCsvSource() field mapping', () => {
  it('maps every clinical field: value concept, ranges, operator, route, quantities, domain column, null values', async () => {
    const config = await writeCase(
      {
        source: 'c',
        nullValues: ['NULL', '-'],
        files: [
          PATIENTS,
          {
            path: 'events.csv',
            kind: 'clinical',
            resourceType: 'Event',
            id: ['patient_id', 'seq'],
            columns: {
              personRef: 'patient_id',
              start: 'date',
              end: { column: 'until', dateFormats: ['yyyymmdd'] },
              concept: [
                { column: 'code', system: 'hospital-c-item' },
                { column: 'snomed', system: 'http://snomed.info/sct' },
              ],
              domainHint: 'domain',
              valueConcept: { column: 'answer', system: 'hospital-c-answer' },
              valueText: 'note',
              operator: 'op',
              rangeLow: 'low',
              rangeHigh: 'high',
              route: { column: 'route', system: 'hospital-c-route' },
              quantity: 'qty',
              daysSupply: 'days',
              status: 'status',
            },
          },
        ],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np|1,1980-02-01,M\n',
        'events.csv': [
          'patient_id,seq,date,until,code,snomed,domain,answer,note,op,low,high,route,qty,days,status',
          'p|1,1,2021-01-01,20210105,X1,NULL,drug,,,,,,PO,30,5,active',
          'p|1,2,2021-01-01,,X2,123,observation,POS,see note,>=,1.5,3,-,,,final',
          'p|1,3,2021-01-01,,X3,,lab,,,=,,,,,,',
        ].join('\n'),
      },
    );
    const out = await collect(config, { now: NOW });
    const [drug, obs] = out.filter((o): o is ClinicalEvent => o.kind === 'clinical');
    expect(drug).toMatchObject({
      sourceId: 'Event/p%7C1|1',
      personRef: 'Patient/p|1',
      end: '2021-01-05',
      domainHint: 'drug',
      concept: { codings: [{ system: 'hospital-c-item', code: 'X1' }] },
      route: { codings: [{ system: 'hospital-c-route', code: 'PO' }] },
      quantity: 30,
      daysSupply: 5,
      status: 'active',
    });
    expect(drug?.value).toBeUndefined();
    expect(obs?.concept.codings.map((c) => c.code)).toEqual(['X2', '123']);
    expect(obs?.value).toEqual({
      concept: { codings: [{ system: 'hospital-c-answer', code: 'POS' }] },
      text: 'see note',
      operator: '>=',
      rangeLow: 1.5,
      rangeHigh: 3,
    });
    expect(obs?.route).toBeUndefined();
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "events.csv line 4: column 'domain' value 'lab' is not one of condition, measurement, observation, drug, procedure, device; column 'op' value '=' is not one of <, <=, >=, >",
    ]);
  });

  it('maps visit details and care sites, with fixed values and references', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [
          {
            path: 'wards.csv',
            kind: 'careSite',
            resourceType: 'Ward',
            id: 'code',
            columns: { name: 'name' },
            fixed: { placeOfService: { system: 'hospital-c-ward', code: 'ICU' } },
          },
          PATIENTS,
          {
            path: 'visits.csv',
            kind: 'visit',
            resourceType: 'Visit',
            id: 'visit',
            columns: {
              personRef: 'patient',
              start: 'start',
              partOfRef: 'parent',
              dischargeTo: { column: 'to', system: 'hospital-c-destination' },
            },
            fixed: {
              visitClass: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
                  code: 'IMP',
                  display: 'inpatient',
                },
              ],
              careSiteRef: 'Ward/icu',
            },
          },
          {
            path: 'icu.csv',
            kind: 'visitDetail',
            resourceType: 'IcuStay',
            id: 'stay',
            columns: {
              personRef: 'patient',
              visitRef: 'visit',
              start: 'in',
              end: 'out',
              careSiteRef: 'ward',
            },
            fixed: { detailType: { system: 'hospital-c-ward', code: 'ICU' } },
          },
        ],
      },
      {
        'wards.csv': 'code,name\nicu,Intensive care\n',
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'visits.csv':
          'visit,patient,start,parent,to\nv1,p1,2021-01-01T08:00:00,,home\nv2,p1,2021-01-02,v1,\n',
        'icu.csv':
          'stay,patient,visit,in,out,ward\ns1,p1,v1,2021-01-01T09:00:00+01:00,2021-01-01T18:00:00+01:00,icu\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(invalids(out)).toEqual([]);
    expect(out[0]).toMatchObject({
      kind: 'careSite',
      sourceId: 'Ward/icu',
      name: 'Intensive care',
      placeOfService: { codings: [{ code: 'ICU' }] },
    });
    expect(out[2]).toMatchObject({
      kind: 'visit',
      careSiteRef: 'Ward/icu',
      dischargeTo: { codings: [{ system: 'hospital-c-destination', code: 'home' }] },
      visitClass: { codings: [{ code: 'IMP', display: 'inpatient' }] },
    });
    expect(out[3]).toMatchObject({ kind: 'visit', partOfRef: 'Visit/v1', start: '2021-01-02' });
    expect(out[4]).toMatchObject({
      kind: 'visitDetail',
      sourceId: 'IcuStay/s1',
      personRef: 'Patient/p1',
      visitRef: 'Visit/v1',
      careSiteRef: 'Ward/icu',
      start: '2021-01-01T09:00:00+01:00',
      detailType: { codings: [{ system: 'hospital-c-ward', code: 'ICU' }] },
    });
  });

  it('reads a value that is a number or text', async () => {
    const config = await writeCase(
      {
        source: 'c',
        decimalComma: true,
        delimiter: ';',
        files: [
          PATIENTS,
          { ...LABS, columns: { ...LABS.columns, valueNumber: undefined, valueNumberOrText: 'result' } },
        ],
      },
      {
        'patients.csv': 'patient_id;birth_date;sex\np1;1980-02-01;M\n',
        'labs.csv':
          'lab_id;patient_id;taken;test;result;unit\nl1;p1;2021-01-01;HB;8,1;mmol/L\nl2;p1;2021-01-01;CRP;< 5;mg/L\nl3;p1;2021-01-01;KWEEK;positief;\n',
      },
    );
    const values = (await collect(config, { now: NOW })).slice(1).map((o) => (o as ClinicalEvent).value);
    expect(values).toEqual([
      { number: 8.1, unit: { system: 'http://unitsofmeasure.org', code: 'mmol/L' } },
      { number: 5, operator: '<', unit: { system: 'http://unitsofmeasure.org', code: 'mg/L' } },
      { text: 'positief' },
    ]);
  });

  it('joins a date column and a time column', async () => {
    const config = await writeCase(
      {
        source: 'c',
        dateFormats: ['dd-mm-yyyy'],
        files: [
          PATIENTS,
          {
            ...CONDITIONS,
            columns: {
              ...CONDITIONS.columns,
              start: { column: 'datum', timeColumn: 'tijd', dateFormats: ['dd-mm-yyyy HH:mm', 'dd-mm-yyyy'] },
            },
          },
        ],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,01-02-1980,M\n',
        'conditions.csv':
          'condition_id,patient_id,datum,tijd,code,description\nc1,p1,15-01-2020,08:30,D1,x\nc2,p1,16-01-2020,,D1,x\nc3,p1,17-01-2020,25:00,D1,x\n',
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.slice(1, 3).map((o) => (o as ClinicalEvent).start)).toEqual([
      '2020-01-15T08:30:00',
      '2020-01-16',
    ]);
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "conditions.csv line 4: columns 'datum' + 'tijd' value '17-01-2020 25:00' is not a valid date in any of the formats dd-mm-yyyy HH:mm, dd-mm-yyyy (hour 25 is not 00–23)",
    ]);
  });

  it('reads the files from dataDir: the option, else the config setting, else beside the config', async () => {
    const config = await writeCase({ source: 'c', dataDir: 'export-1', files: [PATIENTS] }, {});
    const base = join(config, '..');
    await import('node:fs/promises').then(async (fs) => {
      for (const d of ['export-1', 'export-2']) {
        await fs.mkdir(join(base, d));
        await fs.writeFile(join(base, d, 'patients.csv'), `patient_id,birth_date,sex\n${d},1980-02-01,M\n`);
      }
    });
    const fromConfig = await collect(config, { now: NOW });
    expect(fromConfig.map((o) => (o.kind === 'person' ? o.sourceId : o.kind))).toEqual(['Patient/export-1']);
    const fromOption = await collect(config, { now: NOW, dataDir: join(base, 'export-2') });
    expect(fromOption.map((o) => (o.kind === 'person' ? o.sourceId : o.kind))).toEqual(['Patient/export-2']);
  });

  it('reads a file without header through columnNames', async () => {
    const config = await writeCase(
      { source: 'c', files: [{ ...PATIENTS, columnNames: ['patient_id', 'birth_date', 'sex'] }] },
      { 'patients.csv': 'p1,1980-02-01,M\np2,1981-03-04,F\n' },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => [o.kind, o.location.line, (o as PersonEvent).birthDate])).toEqual([
      ['person', 1, '1980-02-01'],
      ['person', 2, '1981-03-04'],
    ]);
  });

  it('rejects rows with bytes that are not UTF-8, pointing at the encoding setting', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS] },
      {
        'patients.csv': Buffer.from(
          'patient_id,birth_date,sex\np1,1980-02-01,M\nMüller,1980-02-01,M\n',
          'latin1',
        ),
      },
    );
    const out = await collect(config, { now: NOW });
    expect(out.map((o) => o.kind)).toEqual(['person', 'invalid']);
    expect(invalids(out)[0]?.reason).toMatch(
      /^patients\.csv line 3: the row has bytes that are not UTF-8 .* set "encoding" in mapping\.json$/,
    );
  });

  it('takes a row code system from a column, and rejects a code without one', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [
          PATIENTS,
          {
            ...CONDITIONS,
            columns: {
              ...CONDITIONS.columns,
              concept: {
                column: 'code',
                systemColumn: 'system',
                systems: { ICD10: 'http://hl7.org/fhir/sid/icd-10' },
              },
            },
          },
        ],
      },
      {
        'patients.csv': 'patient_id,birth_date,sex\np1,1980-02-01,M\n',
        'conditions.csv':
          'condition_id,patient_id,start_date,code,system\nc1,p1,2020-01-15,J10,ICD10\nc2,p1,2020-01-15,X,local-dx\nc3,p1,2020-01-15,Y,\n',
      },
    );
    const out = await collect(config, { now: NOW });
    const systems = out
      .filter((o): o is ClinicalEvent => o.kind === 'clinical')
      .map((c) => c.concept.codings[0]?.system);
    expect(systems).toEqual(['http://hl7.org/fhir/sid/icd-10', 'local-dx']);
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "conditions.csv line 4: column 'system' (the code system of concept 'Y') is empty",
    ]);
  });

  it('reports a column that the header has twice, for the whole file', async () => {
    const config = await writeCase(
      { source: 'c', files: [PATIENTS] },
      { 'patients.csv': 'patient_id,birth_date,birth_date,sex\np1,1980-02-01,1980-02-02,M\n' },
    );
    const out = await collect(config, { now: NOW });
    expect(out).toHaveLength(1);
    expect(invalids(out)[0]?.reason).toBe(
      "patients.csv: mapping.json files[0].columns.birthDate names column 'birth_date', which the header has 2 times (its columns: patient_id, birth_date, birth_date, sex); no row of the file was read (1 data row)",
    );
  });
});
