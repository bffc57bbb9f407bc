/**
 * Builds packages/omop/starter-vocabulary/: a small OMOP vocabulary in Athena's layout (tab-separated,
 * dates yyyymmdd) that a station loads when it has no Athena download yet. Its rows come from real OMOP
 * data in ../shared/data, plus the core concepts every ETL needs, plus the codes @polder/synth emits, plus a
 * source_to_concept_map for FHIR code systems that have no OMOP vocabulary. README.md beside the output says
 * where every row comes from.
 *
 * The output is deterministic, so a test checks that the committed files equal what this script makes.
 *
 * Usage: tsx scripts/build-starter-vocabulary.ts [--check]
 */
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema, importCdmCsv, vocabularyTableNames } from '@polder/omop';

const root = new URL('..', import.meta.url).pathname;
export const sharedDataDir = join(root, '../shared/data');
export const starterVocabularyOutDir = join(root, 'packages/omop/starter-vocabulary');
const eunomiaDir = join(sharedDataDir, 'eunomia-synthea27nj/csv');
const gibleedDir = join(sharedDataDir, 'eunomia-gibleed/parquet');
const seedsDir = join(sharedDataDir, 'dbt-synthea-seeds/vocabulary');

/** Files above this size are written gzipped (the loader reads .csv.gz). */
const gzipAbove = 128 * 1024;
const validStart = '1970-01-01';
const validEnd = '2099-12-31';

/** A concept row as the script writes it by hand. */
interface ConceptRow {
  readonly conceptId: number;
  readonly name: string;
  readonly domain: string;
  readonly vocabulary: string;
  readonly conceptClass: string;
  readonly standard: 'S' | 'C' | null;
  readonly code: string;
  readonly invalidReason?: 'D' | 'U';
}

const concept = (
  conceptId: number,
  name: string,
  domain: string,
  vocabulary: string,
  conceptClass: string,
  standard: 'S' | 'C' | null,
  code: string,
): ConceptRow => ({ conceptId, name, domain, vocabulary, conceptClass, standard, code });

const typeConcept = (conceptId: number, name: string): ConceptRow =>
  // Type Concept codes are OMOP<n> numbered with the ids (32817 → OMOP4976890, 32856 → OMOP4976929).
  concept(
    conceptId,
    name,
    'Type Concept',
    'Type Concept',
    'Type Concept',
    'S',
    `OMOP${conceptId + 4_944_073}`,
  );

const operator = (conceptId: number, name: string, snomedCode: string): ConceptRow =>
  concept(conceptId, name, 'Meas Value Operator', 'SNOMED', 'Qualifier Value', 'S', snomedCode);

/**
 * The concepts every OMOP ETL needs, with their real OMOP ids. Rows found in ../shared/data win over these
 * (the shared row is written); the rest are documented in starter-vocabulary/README.md.
 */
export const coreConcepts: readonly ConceptRow[] = [
  concept(0, 'No matching concept', 'Metadata', 'None', 'Undefined', null, 'No matching concept'),
  concept(8507, 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M'),
  concept(8532, 'FEMALE', 'Gender', 'Gender', 'Gender', 'S', 'F'),
  // Not standard: OMOP records a sex other than male or female as gender_concept_id 0.
  concept(8551, 'UNKNOWN', 'Gender', 'Gender', 'Gender', null, 'U'),
  concept(9201, 'Inpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'IP'),
  concept(9202, 'Outpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'OP'),
  concept(9203, 'Emergency Room Visit', 'Visit', 'Visit', 'Visit', 'S', 'ER'),
  concept(262, 'Emergency Room and Inpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'ERIP'),
  concept(32037, 'Intensive Care', 'Visit', 'Visit', 'Visit', 'S', 'OMOP4822460'),
  typeConcept(32817, 'EHR'),
  typeConcept(32818, 'EHR administration record'),
  typeConcept(32838, 'EHR prescription'),
  typeConcept(32856, 'Lab'),
  typeConcept(32879, 'Registry'),
  operator(4171756, '<', '276139006'),
  operator(4171754, '<=', '276140008'),
  operator(4172703, '=', '276136004'),
  operator(4171755, '>=', '276137008'),
  operator(4172704, '>', '276138003'),
];

/** Vocabularies for FHIR code systems that OMOP lacks: their codes are mapped in source_to_concept_map. */
export const customVocabularies: readonly {
  readonly vocabularyId: string;
  readonly name: string;
  readonly reference: string;
  readonly conceptId: number;
}[] = [
  {
    vocabularyId: 'v3-ActCode',
    name: 'HL7 v3 ActCode (FHIR Encounter.class)',
    reference: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    conceptId: 2_050_000_001,
  },
  {
    vocabularyId: 'administrative-gender',
    name: 'FHIR AdministrativeGender',
    reference: 'http://hl7.org/fhir/administrative-gender',
    conceptId: 2_050_000_002,
  },
];

/** source_to_concept_map rows: FHIR codes without an OMOP vocabulary → standard concepts. */
export const fhirCodeMappings: readonly {
  readonly vocabularyId: string;
  readonly code: string;
  readonly description: string;
  readonly targetConceptId: number;
}[] = [
  { vocabularyId: 'v3-ActCode', code: 'IMP', description: 'inpatient encounter', targetConceptId: 9201 },
  { vocabularyId: 'v3-ActCode', code: 'ACUTE', description: 'inpatient acute', targetConceptId: 9201 },
  { vocabularyId: 'v3-ActCode', code: 'NONAC', description: 'inpatient non-acute', targetConceptId: 9201 },
  { vocabularyId: 'v3-ActCode', code: 'EMER', description: 'emergency', targetConceptId: 9203 },
  { vocabularyId: 'v3-ActCode', code: 'AMB', description: 'ambulatory', targetConceptId: 9202 },
  // OMOP's UCUM concepts write these two as [U]/L and [score]; FHIR (and Synthea) write plain UCUM, as
  // dbt-synthea-seeds/stcm maps them.
  { vocabularyId: 'UCUM', code: 'U/L', description: 'unit per liter', targetConceptId: 8645 },
  { vocabularyId: 'UCUM', code: '{score}', description: 'score', targetConceptId: 44777566 },
  { vocabularyId: 'administrative-gender', code: 'male', description: 'Male', targetConceptId: 8507 },
  { vocabularyId: 'administrative-gender', code: 'female', description: 'Female', targetConceptId: 8532 },
  { vocabularyId: 'administrative-gender', code: 'other', description: 'Other', targetConceptId: 0 },
  { vocabularyId: 'administrative-gender', code: 'unknown', description: 'Unknown', targetConceptId: 0 },
];

/** One row of @polder/synth's `vocabularyNeeds`. */
export interface VocabularyNeed {
  readonly vocabularyId: string;
  readonly conceptCode: string;
  readonly conceptName: string;
  readonly domainId: string;
  readonly conceptClassId: string;
  readonly standardConcept: 'S' | null;
  readonly conceptId: number;
}

function isVocabularyNeed(value: unknown): value is VocabularyNeed {
  if (typeof value !== 'object' || value === null) return false;
  const need = value as Record<string, unknown>;
  return (
    typeof need['vocabularyId'] === 'string' &&
    typeof need['conceptCode'] === 'string' &&
    typeof need['conceptName'] === 'string' &&
    typeof need['domainId'] === 'string' &&
    typeof need['conceptClassId'] === 'string' &&
    (need['standardConcept'] === 'S' || need['standardConcept'] === null) &&
    typeof need['conceptId'] === 'number'
  );
}

/**
 * The codes @polder/synth emits, or undefined while the package does not export them yet. Imported by name
 * at run time so that the script (and @polder/omop) never depend on synth at build time.
 */
export async function loadSynthVocabularyNeeds(): Promise<readonly VocabularyNeed[] | undefined> {
  const specifier = '@polder/synth';
  let synth: unknown;
  try {
    synth = await import(specifier);
  } catch {
    return undefined;
  }
  const needs = (synth as Record<string, unknown>)['vocabularyNeeds'];
  if (!Array.isArray(needs)) return undefined;
  const bad = needs.find((need) => !isVocabularyNeed(need));
  if (bad !== undefined)
    throw new Error(`@polder/synth vocabularyNeeds holds a malformed row: ${JSON.stringify(bad)}`);
  return needs as VocabularyNeed[];
}

function literal(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function conceptValues(rows: readonly ConceptRow[], source: string, priority: number): string {
  return rows
    .map(
      (row) =>
        `(${[
          row.conceptId,
          row.name,
          row.domain,
          row.vocabulary,
          row.conceptClass,
          row.standard,
          row.code,
          validStart,
          validEnd,
          row.invalidReason ?? null,
          source,
          priority,
        ]
          .map(literal)
          .join(', ')})`,
    )
    .join(',\n');
}

async function rowsOf(connection: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(sql)).getRowsJS();
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  return Number((await rowsOf(connection, sql))[0]?.[0] ?? 0);
}

/** What a build made and what it noticed. */
export interface StarterVocabularyBuild {
  readonly counts: Record<string, number>;
  readonly files: readonly string[];
  readonly synthNeeds: number | undefined;
  readonly warnings: readonly string[];
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10).replaceAll('-', '');
  // Athena's layout cannot hold tabs or line breaks inside a value.
  return String(value).replace(/[\t\r\n]+/g, ' ');
}

const sortKeys: Readonly<Record<string, string>> = {
  vocabulary: 'vocabulary_id',
  domain: 'domain_id',
  concept_class: 'concept_class_id',
  relationship: 'relationship_id',
  concept: 'concept_id',
  concept_relationship: 'concept_id_1, concept_id_2, relationship_id',
  concept_ancestor: 'ancestor_concept_id, descendant_concept_id',
  concept_synonym: 'concept_id, concept_synonym_name, language_concept_id',
  drug_strength: 'drug_concept_id, ingredient_concept_id',
  source_to_concept_map: 'source_vocabulary_id, source_code, target_concept_id',
};

/** Builds the starter vocabulary into `outDir` (created; its old files are removed). */
export async function buildStarterVocabulary(outDir: string): Promise<StarterVocabularyBuild> {
  const warnings: string[] = [];
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const [dir, schema, tables] of [
      [eunomiaDir, 'eunomia', ['concept', 'concept_relationship']],
      [
        gibleedDir,
        'gibleed',
        ['concept', 'concept_relationship', 'concept_ancestor', 'vocabulary', 'domain', 'relationship'],
      ],
    ] as const) {
      const report = await importCdmCsv(connection, dir, { schema, tables });
      if (!report.ok)
        throw new Error(
          `Cannot build the starter vocabulary: ${dir} did not load: ${JSON.stringify(report.problems)}`,
        );
    }
    for (const table of ['vocabulary', 'domain', 'concept_class', 'relationship']) {
      await connection.run(
        `CREATE TABLE seed_${table} AS SELECT * FROM read_csv(${literal(join(seedsDir, `${table}_seed.csv`))}, header = true, all_varchar = true)`,
      );
    }
    await createCdmSchema(connection, { schema: 'starter' });

    // Concepts: every source as a candidate; for an id in several, the first source in this order wins.
    await connection.run(`CREATE TABLE candidate AS
      SELECT *, '' AS source, 0 AS priority FROM starter.concept WHERE false`);
    await connection.run(`INSERT INTO candidate SELECT *, 'eunomia-synthea27nj', 1 FROM eunomia.concept`);
    await connection.run(`INSERT INTO candidate SELECT *, 'eunomia-gibleed', 2 FROM gibleed.concept`);
    await connection.run(`INSERT INTO candidate VALUES ${conceptValues(coreConcepts, 'core', 3)}`);
    const needs = await loadSynthVocabularyNeeds();
    if (needs !== undefined && needs.length > 0) {
      const rows = needs.map((need) =>
        concept(
          need.conceptId,
          need.conceptName,
          need.domainId,
          need.vocabularyId,
          need.conceptClassId,
          need.standardConcept,
          need.conceptCode,
        ),
      );
      await connection.run(`INSERT INTO candidate VALUES ${conceptValues(rows, 'synth', 4)}`);
    }
    const customRows = customVocabularies.map((v) =>
      concept(v.conceptId, v.name, 'Metadata', 'Vocabulary', 'Vocabulary', null, v.vocabularyId),
    );
    await connection.run(`INSERT INTO candidate VALUES ${conceptValues(customRows, 'custom', 5)}`);

    for (const [id, sources] of await rowsOf(
      connection,
      `SELECT concept_id, string_agg(DISTINCT source || ': ' || vocabulary_id || ' ' || concept_code || ' ' || concept_name, ' | ')
       FROM candidate GROUP BY concept_id
       HAVING count(DISTINCT (vocabulary_id, concept_code, coalesce(standard_concept, ''))) > 1 ORDER BY 1`,
    )) {
      warnings.push(`concept ${String(id)} differs between sources (the first wins): ${String(sources)}`);
    }
    for (const [vocabulary, code, ids] of await rowsOf(
      connection,
      `SELECT vocabulary_id, concept_code, string_agg(DISTINCT concept_id::VARCHAR, ', ')
       FROM candidate WHERE domain_id <> 'Metadata' GROUP BY ALL HAVING count(DISTINCT concept_id) > 1 ORDER BY 1, 2`,
    )) {
      warnings.push(`${String(vocabulary)} code ${String(code)} has several concept ids: ${String(ids)}`);
    }
    await connection.run(`INSERT INTO starter.concept
      SELECT * EXCLUDE (source, priority) FROM candidate
      QUALIFY row_number() OVER (PARTITION BY concept_id ORDER BY priority) = 1`);

    // Relationships whose both ends are bundled: Eunomia's maps, all of GiBleed's, and the self-maps that
    // Athena gives every standard concept (the loader resolves codes through 'Maps to').
    await connection.run(`INSERT INTO starter.concept_relationship
      SELECT * FROM (
        SELECT * FROM eunomia.concept_relationship WHERE relationship_id IN ('Maps to', 'Mapped from')
        UNION ALL SELECT * FROM gibleed.concept_relationship
        UNION ALL SELECT concept_id, concept_id, rel, DATE '${validStart}', DATE '${validEnd}', NULL
          FROM starter.concept, (VALUES ('Maps to'), ('Mapped from')) AS r(rel) WHERE standard_concept = 'S'
      ) AS r
      WHERE concept_id_1 IN (SELECT concept_id FROM starter.concept)
        AND concept_id_2 IN (SELECT concept_id FROM starter.concept)
      QUALIFY row_number() OVER (PARTITION BY concept_id_1, concept_id_2, relationship_id ORDER BY valid_start_date) = 1`);

    // Hierarchy: GiBleed's ancestry between bundled concepts, and Athena's level-0 row for every standard one.
    await connection.run(`INSERT INTO starter.concept_ancestor
      SELECT * FROM (
        SELECT * FROM gibleed.concept_ancestor
        WHERE ancestor_concept_id IN (SELECT concept_id FROM starter.concept)
          AND descendant_concept_id IN (SELECT concept_id FROM starter.concept)
        UNION ALL SELECT concept_id, concept_id, 0, 0 FROM starter.concept WHERE standard_concept = 'S'
      ) AS a
      QUALIFY row_number() OVER (PARTITION BY ancestor_concept_id, descendant_concept_id ORDER BY min_levels_of_separation) = 1`);

    await connection.run(`INSERT INTO starter.source_to_concept_map
      SELECT m.code, 0, m.vocabulary_id, m.description, m.target, c.vocabulary_id, DATE '${validStart}', DATE '${validEnd}', NULL
      FROM (VALUES ${fhirCodeMappings
        .map((m) => `(${[m.code, m.vocabularyId, m.description, m.targetConceptId].map(literal).join(', ')})`)
        .join(', ')}) AS m(code, vocabulary_id, description, target)
      JOIN starter.concept c ON c.concept_id = m.target`);
    const mapped = await scalar(connection, 'SELECT count(*) FROM starter.source_to_concept_map');
    if (mapped !== fhirCodeMappings.length) {
      throw new Error(
        'Cannot build the starter vocabulary: a source_to_concept_map target is not a bundled concept',
      );
    }

    // Reference tables for everything used, and concept rows for their *_concept_id (Athena's metadata
    // concepts: domain Metadata, code 'OMOP generated'), repeated until nothing new is needed.
    await connection.run(
      `INSERT INTO starter.vocabulary VALUES ${customVocabularies
        .map((v) => `(${[v.vocabularyId, v.name, v.reference, null, v.conceptId].map(literal).join(', ')})`)
        .join(', ')}`,
    );
    for (let round = 0; round < 5; round++) {
      await connection.run(`INSERT INTO starter.vocabulary
        SELECT * EXCLUDE (p) FROM (
          SELECT vocabulary_id, vocabulary_name, vocabulary_reference, vocabulary_version, vocabulary_concept_id::BIGINT, 1 AS p FROM seed_vocabulary
          UNION ALL SELECT *, 2 FROM gibleed.vocabulary
        ) AS v
        WHERE vocabulary_id IN (SELECT vocabulary_id FROM starter.concept UNION SELECT target_vocabulary_id FROM starter.source_to_concept_map)
          AND vocabulary_id NOT IN (SELECT vocabulary_id FROM starter.vocabulary)
        QUALIFY row_number() OVER (PARTITION BY vocabulary_id ORDER BY p) = 1`);
      await connection.run(`INSERT INTO starter.domain
        SELECT * EXCLUDE (p) FROM (
          SELECT domain_id, domain_name, domain_concept_id::BIGINT, 1 AS p FROM seed_domain
          UNION ALL SELECT *, 2 FROM gibleed.domain
        ) AS d
        WHERE domain_id IN (SELECT domain_id FROM starter.concept) AND domain_id NOT IN (SELECT domain_id FROM starter.domain)
        QUALIFY row_number() OVER (PARTITION BY domain_id ORDER BY p) = 1`);
      await connection.run(`INSERT INTO starter.concept_class
        SELECT concept_class_id, concept_class_name, concept_class_concept_id::BIGINT FROM seed_concept_class
        WHERE concept_class_id IN (SELECT concept_class_id FROM starter.concept)
          AND concept_class_id NOT IN (SELECT concept_class_id FROM starter.concept_class)`);
      await connection.run(`INSERT INTO starter.relationship
        SELECT * EXCLUDE (p) FROM (
          SELECT relationship_id, relationship_name, is_hierarchical, defines_ancestry, reverse_relationship_id,
            relationship_concept_id::BIGINT, 1 AS p FROM seed_relationship
          UNION ALL SELECT *, 2 FROM gibleed.relationship
        ) AS r
        WHERE (relationship_id IN (SELECT relationship_id FROM starter.concept_relationship)
            OR relationship_id IN (SELECT reverse_relationship_id FROM starter.relationship))
          AND relationship_id NOT IN (SELECT relationship_id FROM starter.relationship)
        QUALIFY row_number() OVER (PARTITION BY relationship_id ORDER BY p) = 1`);
      const added = await connection.run(`INSERT INTO starter.concept
        SELECT id, name, 'Metadata', vocabulary, vocabulary, NULL, 'OMOP generated', DATE '${validStart}', DATE '${validEnd}', NULL
        FROM (
          SELECT vocabulary_concept_id AS id, vocabulary_name AS name, 'Vocabulary' AS vocabulary FROM starter.vocabulary
          UNION ALL SELECT domain_concept_id, domain_name, 'Domain' FROM starter.domain
          UNION ALL SELECT concept_class_concept_id, concept_class_name, 'Concept Class' FROM starter.concept_class
          UNION ALL SELECT relationship_concept_id, relationship_name, 'Relationship' FROM starter.relationship
        ) AS m
        WHERE id NOT IN (SELECT concept_id FROM starter.concept)
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY vocabulary) = 1`);
      if (added.rowsChanged === 0 && round > 0) break;
    }
    for (const [what, sql] of [
      [
        'vocabulary',
        'SELECT DISTINCT vocabulary_id FROM starter.concept WHERE vocabulary_id NOT IN (SELECT vocabulary_id FROM starter.vocabulary)',
      ],
      [
        'domain',
        'SELECT DISTINCT domain_id FROM starter.concept WHERE domain_id NOT IN (SELECT domain_id FROM starter.domain)',
      ],
      [
        'concept class',
        'SELECT DISTINCT concept_class_id FROM starter.concept WHERE concept_class_id NOT IN (SELECT concept_class_id FROM starter.concept_class)',
      ],
      [
        'relationship',
        'SELECT DISTINCT relationship_id FROM starter.concept_relationship WHERE relationship_id NOT IN (SELECT relationship_id FROM starter.relationship)',
      ],
    ] as const) {
      const missing = (await rowsOf(connection, sql)).map((row) => String(row[0]));
      if (missing.length > 0) warnings.push(`no ${what} row in the shared data for: ${missing.join(', ')}`);
    }

    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const counts: Record<string, number> = {};
    const files: string[] = [];
    for (const table of vocabularyTableNames) {
      const result = await connection.runAndReadAll(
        `SELECT * FROM starter.${table} ORDER BY ${sortKeys[table] ?? 'ALL'}`,
      );
      const rows = result.getRowsJS();
      counts[table] = rows.length;
      if (rows.length === 0) continue;
      const lines = [result.columnNames().join('\t'), ...rows.map((row) => row.map(formatCell).join('\t'))];
      const text = `${lines.join('\n')}\n`;
      const name = `${table.toUpperCase()}.csv`;
      if (Buffer.byteLength(text) > gzipAbove) {
        await writeFile(join(outDir, `${name}.gz`), gzipSync(text, { level: 9 }));
        files.push(`${name}.gz`);
      } else {
        await writeFile(join(outDir, name), text);
        files.push(name);
      }
    }
    return { counts, files, synthNeeds: needs?.length, warnings };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The data files of a starter-vocabulary directory, decompressed, by file name (README.md excluded). */
export async function readStarterVocabularyFiles(dir: string): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.csv(\.gz)?$/.test(name)) continue;
    const bytes = await readFile(join(dir, name));
    contents.set(name, (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  }
  return contents;
}

/** Builds into a temporary directory and lists how the committed files differ from it (empty: equal). */
export async function diffStarterVocabulary(committedDir = starterVocabularyOutDir): Promise<string[]> {
  const temp = await mkdtemp(join(tmpdir(), 'polder-starter-'));
  try {
    await buildStarterVocabulary(temp);
    const fresh = await readStarterVocabularyFiles(temp);
    const committed = await readStarterVocabularyFiles(committedDir);
    const differences: string[] = [];
    for (const name of new Set([...fresh.keys(), ...committed.keys()])) {
      if (!committed.has(name)) differences.push(`${name} is missing from ${committedDir}`);
      else if (!fresh.has(name)) differences.push(`${name} is no longer made by the script`);
      else if (committed.get(name) !== fresh.get(name))
        differences.push(`${name} differs from what the script makes`);
    }
    return differences;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const differences = await diffStarterVocabulary();
    if (differences.length > 0) {
      console.error(`${differences.join('\n')}\nrun: npx tsx scripts/build-starter-vocabulary.ts`);
      process.exit(1);
    }
    console.error('starter vocabulary is up to date');
  } else {
    const build = await buildStarterVocabulary(starterVocabularyOutDir);
    for (const warning of build.warnings) console.error(`warning: ${warning}`);
    console.log(
      JSON.stringify({ counts: build.counts, files: build.files, synthNeeds: build.synthNeeds ?? null }),
    );
  }
}
