import { describe, expect, it } from 'vitest';
import { CsvMappingConfigError, isCsvMappingConfig, parseCsvMappingConfig } from './csv-mapping-config.ts';

const valid = {
  source: 'hospital-c',
  delimiter: ';',
  encoding: 'latin1',
  dateFormats: ['dd-mm-yyyy HH:mm', 'dd-mm-yyyy'],
  decimalComma: true,
  codeMaps: ['stcm.csv'],
  files: [
    {
      path: 'patients.csv',
      kind: 'person',
      resourceType: 'Patient',
      id: 'patient_id',
      columns: { birthDate: 'geboortedatum', gender: { column: 'geslacht', system: 'hospital-c-gender' } },
    },
    {
      path: 'ed_visits.csv',
      kind: 'visit',
      resourceType: 'EdVisit',
      id: 'visit_id',
      columns: { personRef: 'patient_id', start: 'aankomst', end: 'vertrek' },
      fixed: { visitClass: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' } },
    },
    {
      path: 'labs*.csv',
      kind: 'clinical',
      resourceType: 'Lab',
      id: ['lab_id'],
      columns: {
        personRef: 'patient_id',
        visitRef: 'visit_id',
        start: { column: 'afnamedatum', dateFormats: ['yyyymmdd'] },
        concept: { column: 'labcode', system: 'hospital-c-lab', display: 'omschrijving' },
        valueNumber: 'uitslag',
        unit: { column: 'eenheid', system: 'http://unitsofmeasure.org' },
      },
      fixed: { domainHint: 'measurement' },
    },
  ],
};

function issuesOf(json: unknown): readonly string[] {
  try {
    parseCsvMappingConfig(json, '/x/mapping.json');
  } catch (e) {
    expect(e).toBeInstanceOf(CsvMappingConfigError);
    return (e as CsvMappingConfigError).issues;
  }
  return [];
}

function withFile(index: number, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...valid, files: valid.files.map((f, i) => (i === index ? { ...f, ...patch } : f)) };
}

describe('parseCsvMappingConfig()', () => {
  it('accepts a valid config and freezes it', () => {
    const config = parseCsvMappingConfig(structuredClone(valid), 'mapping.json');
    expect(config.source).toBe('hospital-c');
    expect(config.files).toHaveLength(3);
    expect(Object.isFrozen(config.files[0])).toBe(true);
  });

  it('names the config file, the JSON path and the allowed values', () => {
    expect(() => parseCsvMappingConfig(withFile(2, { kind: 'lab' }), '/x/mapping.json')).toThrow(
      "mapping.json: files[2].kind must be one of person, visit, visitDetail, clinical, careSite (got 'lab')",
    );
  });

  it('lists every problem, not only the first', () => {
    const issues = issuesOf({ ...withFile(0, { id: [] }), delimiter: ';;', source: '' });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringContaining('source must be a non-empty string'),
        expect.stringContaining('delimiter must be one character'),
        expect.stringContaining('files[0].id must name a column'),
      ]),
    );
  });

  it('rejects unknown fields, naming the fields the kind has', () => {
    expect(
      issuesOf(withFile(2, { columns: { ...(valid.files[2]?.columns ?? {}), startDate: 'x' } })),
    ).toEqual([
      expect.stringMatching(
        /^files\[2\]\.columns\.startDate is not a field of a 'clinical' event \(did you mean 'start'\?\); its fields: personRef/,
      ),
    ]);
  });

  it('requires the fields every event of a kind needs', () => {
    const { visitClass: _v, ...noFixed } = { visitClass: 1 };
    expect(issuesOf(withFile(1, { fixed: noFixed }))).toEqual([
      "files[1].columns.visitClass is missing: every 'visit' event needs a visitClass",
    ]);
  });

  it('rejects a bad date format with the reason', () => {
    expect(issuesOf({ ...valid, dateFormats: ['dd-mm-yy'] })[0]).toMatch(
      /dateFormats\[0\] is not a date format: .*'y'/,
    );
  });

  it('asks for refPrefix when the referenced kind is ambiguous or absent', () => {
    const noPersons = { ...valid, files: valid.files.slice(1) };
    expect(issuesOf(noPersons)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /files\[0\]\.columns\.personRef refers to a person but no file of kind 'person'/,
        ),
      ]),
    );
  });

  it('rejects a field given both as column and fixed value', () => {
    expect(
      issuesOf(withFile(2, { fixed: { domainHint: 'measurement', concept: { system: 's', code: 'c' } } })),
    ).toEqual(['files[2].fixed.concept is also in "columns"; give a field one source']);
  });

  it('rejects a coded column without a system', () => {
    expect(issuesOf(withFile(0, { columns: { birthDate: 'x', gender: { column: 'geslacht' } } }))).toEqual([
      'files[0].columns.gender needs "system" (a system URI or local code system name) or "systemColumn"',
    ]);
  });
});

describe('isCsvMappingConfig()', () => {
  it('tells a mapping config (whose file mappings have a resourceType) from FHIR JSON', () => {
    expect(isCsvMappingConfig(valid)).toBe(true);
    expect(isCsvMappingConfig({ resourceType: 'Bundle', type: 'collection', entry: [] })).toBe(false);
    expect(isCsvMappingConfig({ resourceType: 'Patient', id: 'x' })).toBe(false);
    expect(isCsvMappingConfig([valid])).toBe(false);
  });
});

describe('the documented examples', () => {
  it('are valid configs (doc comment of csv-mapping-config.ts and the package README)', async () => {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(new URL('./csv-mapping-config.ts', import.meta.url), 'utf8');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const fromComment = /```json\n([\s\S]*?)```/.exec(source)?.[1]?.replace(/^ \* ?/gm, '');
    const csvSection = readme.slice(readme.indexOf('## CSV reader'));
    const fromReadme = /```json\n([\s\S]*?)```/.exec(csvSection)?.[1];
    for (const [where, text] of [
      ['doc comment', fromComment],
      ['README', fromReadme],
    ] as const) {
      expect(text, where).toBeDefined();
      expect(() => parseCsvMappingConfig(JSON.parse(text ?? ''), `${where}.json`), where).not.toThrow();
    }
  });
});
