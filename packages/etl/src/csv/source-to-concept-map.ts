import { basename } from 'node:path';
import type { InvalidRecord, IsoDateTime, SourceLocation } from '../source-event.ts';
import type { CsvEncoding } from './csv-mapping-config.ts';
import { DateParser } from './_date-format.ts';
import { readCsvRows, type CsvRow } from './_read-csv-rows.ts';

/**
 * One row of a code mapping table in OMOP `source_to_concept_map` layout: a local code (`sourceCode` in
 * the local system `sourceVocabularyId`) and the standard concept it maps to. The loader puts these rows
 * in `cdm.source_to_concept_map` and resolves local codings (coding.system = sourceVocabularyId) by them.
 */
export interface SourceToConceptMapRow {
  readonly kind: 'sourceToConceptMap';
  readonly sourceCode: string;
  /** 0 when the local code has no concept of its own (the usual case). */
  readonly sourceConceptId: number;
  readonly sourceVocabularyId: string;
  readonly sourceCodeDescription?: string;
  /** 0 when the code is known to have no standard concept. */
  readonly targetConceptId: number;
  readonly targetVocabularyId: string;
  /** yyyy-mm-dd */
  readonly validStartDate: IsoDateTime;
  /** yyyy-mm-dd */
  readonly validEndDate: IsoDateTime;
  readonly invalidReason?: string;
  readonly location: SourceLocation;
  /** The row as it stands in the file. */
  readonly raw: string;
}

/** Options of `readSourceToConceptMap`. */
export interface ReadSourceToConceptMapOptions {
  /** @default the most frequent of , ; tab | in the header */
  readonly delimiter?: string;
  /** @default "utf-8" */
  readonly encoding?: CsvEncoding;
}

const REQUIRED = [
  'source_code',
  'source_concept_id',
  'source_vocabulary_id',
  'source_code_description',
  'target_concept_id',
  'target_vocabulary_id',
  'valid_start_date',
  'valid_end_date',
  'invalid_reason',
] as const;
type Column = (typeof REQUIRED)[number];

const DEFAULT_START = '1970-01-01';
const DEFAULT_END = '2099-12-31';
const CONCEPT_ID = /^-?\d+$/;

/**
 * Streams a code mapping table in OMOP `source_to_concept_map` CSV layout (header row with the nine
 * columns, in any order and any case; extra columns such as target_concept_name are ignored). Dates may be
 * yyyy-mm-dd or yyyymmdd; empty validity dates default to 1970-01-01 and 2099-12-31, an empty
 * source_concept_id to 0. A row with an empty source_code, source_vocabulary_id, target_vocabulary_id or a
 * target_concept_id that is not an integer becomes an `InvalidRecord`; so does the whole file, once, when
 * a column is missing.
 *
 * @example
 * ```ts
 * for await (const row of readSourceToConceptMap('stcm.csv')) {
 *   if (row.kind === 'sourceToConceptMap') console.log(row.sourceVocabularyId, row.sourceCode, '→', row.targetConceptId);
 * }
 * ```
 */
export async function* readSourceToConceptMap(
  path: string,
  options: ReadSourceToConceptMapOptions = {},
): AsyncGenerator<SourceToConceptMapRow | InvalidRecord> {
  const name = basename(path);
  const dates = new DateParser(['yyyy-mm-dd', 'yyyymmdd']);
  let index: Record<Column, number> | undefined;
  let headerLength = 0;
  let sawHeader = false;
  let missing: string | undefined;
  let unread = 0;
  let headerRaw = '';

  const invalid = (reason: string, raw: string, line: number): InvalidRecord => ({
    kind: 'invalid',
    resourceType: 'source_to_concept_map',
    location: { file: path, line },
    raw,
    reason: `${name} line ${line}: ${reason}`,
  });

  const mapRow = (row: CsvRow, idx: Record<Column, number>): SourceToConceptMapRow | InvalidRecord => {
    if (row.fields.length !== headerLength) {
      return invalid(
        `the row has ${row.fields.length} fields but the header has ${headerLength}`,
        row.raw,
        row.line,
      );
    }
    const get = (c: Column) => (row.fields[idx[c]] ?? '').trim();
    const problems: string[] = [];
    const required = (c: Column) => {
      const v = get(c);
      if (v === '') problems.push(`column '${c}' is empty`);
      return v;
    };
    const conceptId = (c: Column, fallback?: number) => {
      const v = get(c);
      if (v === '' && fallback !== undefined) return fallback;
      if (!CONCEPT_ID.test(v) || !Number.isSafeInteger(Number(v))) {
        problems.push(
          v === '' ? `column '${c}' is empty` : `column '${c}' value '${v}' is not an integer concept id`,
        );
        return 0;
      }
      return Number(v);
    };
    const date = (c: Column, fallback: string) => {
      const v = get(c);
      if (v === '') return fallback;
      const iso = dates.parse(v);
      if (iso === undefined)
        problems.push(`column '${c}' value '${v}' is not a valid yyyy-mm-dd or yyyymmdd date`);
      return iso ?? fallback;
    };
    const result = {
      kind: 'sourceToConceptMap' as const,
      sourceCode: required('source_code'),
      sourceConceptId: conceptId('source_concept_id', 0),
      sourceVocabularyId: required('source_vocabulary_id'),
      targetConceptId: conceptId('target_concept_id'),
      targetVocabularyId: required('target_vocabulary_id'),
      validStartDate: date('valid_start_date', DEFAULT_START),
      validEndDate: date('valid_end_date', DEFAULT_END),
      location: { file: path, line: row.line },
      raw: row.raw,
    };
    if (problems.length > 0) return invalid(problems.join('; '), row.raw, row.line);
    const description = get('source_code_description');
    const invalidReason = get('invalid_reason');
    return {
      ...result,
      ...(description === '' ? {} : { sourceCodeDescription: description }),
      ...(invalidReason === '' ? {} : { invalidReason }),
    };
  };

  try {
    for await (const batch of readCsvRows(path, options)) {
      if (!Array.isArray(batch)) {
        const f = batch as { failure: string; line: number };
        yield invalid(
          `the CSV cannot be parsed from this line on (${f.failure}); the rows from line ${f.line} to the end were not read`,
          '',
          f.line,
        );
        break;
      }
      for (const row of batch as readonly CsvRow[]) {
        if (!sawHeader) {
          sawHeader = true;
          headerRaw = row.raw;
          headerLength = row.fields.length;
          const lower = row.fields.map((h) => h.trim().toLowerCase());
          const absent = REQUIRED.filter((c) => !lower.includes(c));
          if (absent.length > 0) {
            missing = `the file lacks the column${absent.length > 1 ? 's' : ''} ${absent.map((c) => `'${c}'`).join(', ')} of the OMOP source_to_concept_map layout (its columns: ${row.fields.join(', ')}); no row of it was read`;
          } else {
            index = Object.fromEntries(REQUIRED.map((c) => [c, lower.indexOf(c)])) as Record<Column, number>;
          }
          continue;
        }
        if (index === undefined) unread += 1;
        else yield mapRow(row, index);
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== 'string' || !err.syscall) throw e;
    yield {
      kind: 'invalid',
      resourceType: 'source_to_concept_map',
      location: { file: path },
      raw: '',
      reason: `${name}: ${err.code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${err.message})`}`,
    };
    return;
  }
  if (missing !== undefined)
    yield invalid(`${missing} (${unread} data row${unread === 1 ? '' : 's'})`, headerRaw, 1);
}
