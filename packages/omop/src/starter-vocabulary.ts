import type { DuckDBConnection } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { loadVocabulary } from './load-vocabulary.ts';
import type { VocabularyLoadReport } from './load-vocabulary.ts';

/**
 * Directory of the bundled starter vocabulary (Athena layout): real OMOP concepts from the Eunomia data
 * sets, the core concepts every ETL needs, the codes @polder/synth emits and a source_to_concept_map for
 * FHIR code systems without an OMOP vocabulary. See starter-vocabulary/README.md.
 */
export const starterVocabularyDir: string = fileURLToPath(new URL('../starter-vocabulary/', import.meta.url));

/** Options of {@link loadStarterVocabulary}. */
export interface LoadStarterVocabularyOptions {
  /** Database schema of the CDM tables; created when absent. @default 'cdm' */
  readonly schema?: string;
}

/**
 * Loads the bundled starter vocabulary into the CDM vocabulary tables. Rows already there win (mode `keep`):
 * loaded after a full Athena vocabulary it only adds what Athena lacks (the FHIR source_to_concept_map, the
 * custom vocabularies) and never downgrades Athena's newer rows; an Athena vocabulary loaded afterwards with
 * the default `merge` replaces the starter's versions. Loading it twice changes nothing.
 *
 * @example
 * await createCdmSchema(connection);
 * const report = await loadStarterVocabulary(connection);
 * report.counts.concept; // about 2,500
 */
export async function loadStarterVocabulary(
  connection: DuckDBConnection,
  options: LoadStarterVocabularyOptions = {},
): Promise<VocabularyLoadReport> {
  const report = await loadVocabulary(connection, starterVocabularyDir, {
    mode: 'keep',
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  });
  const failed = report.tables.find((table) => table.status === 'failed');
  if (failed !== undefined) {
    throw new Error(`Cannot load the starter vocabulary: ${failed.error ?? failed.table}`);
  }
  return report;
}
