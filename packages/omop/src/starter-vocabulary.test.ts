import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countVocabularyRows,
  createCdmSchema,
  fhirSystemVocabularies,
  loadStarterVocabulary,
  starterVocabularyDir,
  wellKnownConcepts,
} from './index.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterEach(() => {
  connection.closeSync();
  instance.closeSync();
});

async function rows(sql: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(sql)).getRowsJS();
}

describe('loadStarterVocabulary()', () => {
  it('loads the bundled vocabulary, and loading it twice changes nothing', async () => {
    const report = await loadStarterVocabulary(connection);
    expect(report.ok).toBe(true);
    expect(report.counts.concept).toBeGreaterThan(2_300);
    const first = await countVocabularyRows(connection);
    await loadStarterVocabulary(connection);
    expect(await countVocabularyRows(connection)).toEqual(first);
  });

  it('never overwrites rows already there, such as a newer Athena vocabulary', async () => {
    await createCdmSchema(connection);
    await connection.run(
      `INSERT INTO cdm.concept VALUES (8507, 'MALE (Athena)', 'Gender', 'Gender', 'Gender', 'S', 'M', DATE '1970-01-01', DATE '2099-12-31', NULL)`,
    );
    const report = await loadStarterVocabulary(connection);
    expect(await rows('SELECT concept_name FROM cdm.concept WHERE concept_id = 8507')).toEqual([
      ['MALE (Athena)'],
    ]);
    expect(report.counts.concept).toBe((await countVocabularyRows(connection)).concept - 1);
  });

  it('holds every well-known concept, standard except 0', async () => {
    await loadStarterVocabulary(connection);
    const ids = Object.values(wellKnownConcepts).filter((id) => id !== 0);
    const found = await rows(
      `SELECT concept_id FROM cdm.concept WHERE standard_concept = 'S' AND invalid_reason IS NULL
       AND concept_id IN (${ids.join(', ')})`,
    );
    expect(found.map((row) => Number(row[0])).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(await rows('SELECT concept_name FROM cdm.concept WHERE concept_id = 0')).toEqual([
      ['No matching concept'],
    ]);
  });

  it('is consistent: every concept’s vocabulary, domain and class exist, and every standard concept maps to itself', async () => {
    await loadStarterVocabulary(connection);
    const dangling = await rows(`
      SELECT 'vocabulary ' || vocabulary_id FROM cdm.concept WHERE vocabulary_id NOT IN (SELECT vocabulary_id FROM cdm.vocabulary)
      UNION ALL SELECT 'domain ' || domain_id FROM cdm.concept WHERE domain_id NOT IN (SELECT domain_id FROM cdm.domain)
      UNION ALL SELECT 'class ' || concept_class_id FROM cdm.concept WHERE concept_class_id NOT IN (SELECT concept_class_id FROM cdm.concept_class)
      UNION ALL SELECT 'relationship ' || relationship_id FROM cdm.concept_relationship WHERE relationship_id NOT IN (SELECT relationship_id FROM cdm.relationship)
      UNION ALL SELECT 'reverse ' || reverse_relationship_id FROM cdm.relationship WHERE reverse_relationship_id NOT IN (SELECT relationship_id FROM cdm.relationship)
      UNION ALL SELECT 'relationship end ' || concept_id_2 FROM cdm.concept_relationship WHERE concept_id_2 NOT IN (SELECT concept_id FROM cdm.concept)
      UNION ALL SELECT 'ancestor ' || ancestor_concept_id FROM cdm.concept_ancestor WHERE ancestor_concept_id NOT IN (SELECT concept_id FROM cdm.concept)
      UNION ALL SELECT 'metadata concept ' || vocabulary_concept_id FROM cdm.vocabulary WHERE vocabulary_concept_id NOT IN (SELECT concept_id FROM cdm.concept)
      UNION ALL SELECT 'stcm target ' || target_concept_id FROM cdm.source_to_concept_map WHERE target_concept_id NOT IN (SELECT concept_id FROM cdm.concept)`);
    expect(dangling).toEqual([]);
    const unmapped = await rows(`
      SELECT concept_id FROM cdm.concept c WHERE standard_concept = 'S' AND NOT EXISTS (
        SELECT 1 FROM cdm.concept_relationship r
        WHERE r.concept_id_1 = c.concept_id AND r.concept_id_2 = c.concept_id AND r.relationship_id = 'Maps to')`);
    expect(unmapped).toEqual([]);
    const mapsToNonStandard = await rows(`
      SELECT r.concept_id_1, r.concept_id_2 FROM cdm.concept_relationship r JOIN cdm.concept t ON t.concept_id = r.concept_id_2
      WHERE r.relationship_id = 'Maps to' AND t.standard_concept IS DISTINCT FROM 'S'`);
    expect(mapsToNonStandard).toEqual([]);
  });

  it('maps FHIR Encounter.class and administrative gender through source_to_concept_map', async () => {
    await loadStarterVocabulary(connection);
    const mapped = await rows(`
      SELECT source_vocabulary_id || '|' || source_code, target_concept_id FROM cdm.source_to_concept_map
      WHERE source_vocabulary_id IN ('v3-ActCode', 'administrative-gender') ORDER BY 1`);
    expect(Object.fromEntries(mapped.map(([code, target]) => [code, Number(target)]))).toEqual({
      'administrative-gender|female': wellKnownConcepts.female,
      'administrative-gender|male': wellKnownConcepts.male,
      'administrative-gender|other': 0,
      'administrative-gender|unknown': 0,
      'v3-ActCode|ACUTE': wellKnownConcepts.inpatientVisit,
      'v3-ActCode|AMB': wellKnownConcepts.outpatientVisit,
      'v3-ActCode|EMER': wellKnownConcepts.emergencyRoomVisit,
      'v3-ActCode|IMP': wellKnownConcepts.inpatientVisit,
      'v3-ActCode|NONAC': wellKnownConcepts.inpatientVisit,
    });
    const vocabularies = new Set(Object.values(fhirSystemVocabularies));
    const sources = await rows('SELECT DISTINCT source_vocabulary_id FROM cdm.source_to_concept_map');
    for (const [source] of sources) expect(vocabularies.has(String(source))).toBe(true);
  });

  it('stays well under 2 MB on disk', async () => {
    let bytes = 0;
    for (const name of await readdir(starterVocabularyDir))
      bytes += (await stat(join(starterVocabularyDir, name))).size;
    expect(bytes).toBeLessThan(1_000_000);
  });
});
