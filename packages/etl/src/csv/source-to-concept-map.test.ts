import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidRecord } from '../source-event.ts';
import { readSourceToConceptMap, type SourceToConceptMapRow } from './source-to-concept-map.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const seed = resolve(repoRoot, '../shared/data/dbt-synthea-seeds/stcm/source_to_concept_map_seed.csv');

async function collect(path: string): Promise<(SourceToConceptMapRow | InvalidRecord)[]> {
  const rows: (SourceToConceptMapRow | InvalidRecord)[] = [];
  for await (const r of readSourceToConceptMap(path)) rows.push(r);
  return rows;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-stcm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER =
  'source_code,source_concept_id,source_vocabulary_id,source_code_description,target_concept_id,target_vocabulary_id,valid_start_date,valid_end_date,invalid_reason';

describe('readSourceToConceptMap()', () => {
  it("reads dbt-synthea's seed, ignoring its extra columns", async () => {
    expect(existsSync(seed), `missing test data ${seed} (see ../shared/data/README.md)`).toBe(true);
    const rows = await collect(seed);
    expect(rows).toEqual([
      {
        kind: 'sourceToConceptMap',
        sourceCode: '{score}',
        sourceConceptId: 0,
        sourceVocabularyId: 'Synthea units',
        sourceCodeDescription: '{score}',
        targetConceptId: 44777566,
        targetVocabularyId: 'UCUM',
        validStartDate: '1970-01-01',
        validEndDate: '2099-12-31',
        location: { file: seed, line: 2 },
        raw: '"{score}",0,"Synthea units","{score}","Unit","Unit",44777566,"score","UCUM","Unit","Unit",1970-01-01,2099-12-31,',
      },
      expect.objectContaining({
        sourceCode: 'U/L',
        targetConceptId: 8645,
        location: { file: seed, line: 3 },
      }),
    ]);
  });

  it('accepts yyyymmdd dates, tabs and defaults; rejects bad rows with their line', async () => {
    const path = join(dir, 'stcm.tsv');
    await writeFile(
      path,
      [
        HEADER.replaceAll(',', '\t'),
        ['HB', '', 'hospital-c-lab', 'Hemoglobin', '3000963', 'LOINC', '20200101', '', ''].join('\t'),
        ['CRP', '0', 'hospital-c-lab', '', 'x12', 'LOINC', '2020-01-01', '2099-12-31', ''].join('\t'),
        ['', '0', 'hospital-c-lab', '', '0', 'None', '2020-13-01', '2099-12-31', ''].join('\t'),
      ].join('\n'),
    );
    const rows = await collect(path);
    expect(rows[0]).toMatchObject({
      kind: 'sourceToConceptMap',
      sourceCode: 'HB',
      sourceConceptId: 0,
      targetConceptId: 3000963,
      validStartDate: '2020-01-01',
      validEndDate: '2099-12-31',
    });
    expect(rows.slice(1).map((r) => (r.kind === 'invalid' ? r.reason : r.kind))).toEqual([
      "stcm.tsv line 3: column 'target_concept_id' value 'x12' is not an integer concept id",
      "stcm.tsv line 4: column 'source_code' is empty; column 'valid_start_date' value '2020-13-01' is not a valid yyyy-mm-dd or yyyymmdd date",
    ]);
  });

  it('reports a table without the OMOP columns once, for the whole file', async () => {
    const path = join(dir, 'codes.csv');
    await writeFile(path, 'code,concept_id\nHB,3000963\nCRP,3020460\n');
    const rows = await collect(path);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'invalid', location: { file: path, line: 1 } });
    expect((rows[0] as InvalidRecord).reason).toMatch(
      /^codes\.csv line 1: the file lacks the columns 'source_code', .* no row of it was read \(2 data rows\)$/,
    );
  });
});
