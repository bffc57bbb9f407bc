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
      "conditions.csv: mapping.json files[0] names columns 'description' (columns.concept.display), 'datum' (columns.start) " +
        'that the file does not have (its columns: condition_id, patient_id, start_date, code); no row of the file was read (2 data rows)',
    );
    expect(bad.raw).toBe('condition_id,patient_id,start_date,code');
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

  it('names missing required values, reads globbed files in order, and skips rows by rule', async () => {
    const config = await writeCase(
      {
        source: 'c',
        files: [
          PATIENTS,
          { ...LABS, skip: [{ column: 'status', values: ['cancelled'] }] },
          { ...PATIENTS, path: 'nope.csv' },
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
    ]);
    expect(invalids(out).map((o) => o.reason)).toEqual([
      "labs_2020.csv line 2: column 'test' (concept) is empty; column 'taken' (start) is empty",
      "labs_2021.csv line 2: column 'patient_id' (personRef) is empty",
      'nope.csv: the file does not exist; nothing was read (mapping.json files[2])',
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
