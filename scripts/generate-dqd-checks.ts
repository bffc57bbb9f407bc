/**
 * Generates packages/etl/src/dq/dqd-thresholds.generated.ts from the OHDSI DataQualityDashboard files for
 * CDM 5.4 (../shared/data/omop-spec/dqd_OMOP_CDMv5.4_{Check_Descriptions,Table_Level,Field_Level,
 * Concept_Level}.csv). A hospital's station has no copy of these files, so we commit the checks that
 * apply — each check type's `evaluationFilter` from the descriptions file already applied — with their
 * thresholds and parameters; a test checks that the committed file still equals what this script makes.
 *
 * Usage: tsx scripts/generate-dqd-checks.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type {
  DqdBound,
  DqdCheckParameters,
  DqdCheckType,
  DqdConceptChecks,
  DqdFieldChecks,
  DqdTableChecks,
} from '../packages/etl/src/dq/_dqd-definitions.ts';

const root = new URL('..', import.meta.url).pathname;
const specDir = join(root, '../shared/data/omop-spec');
export const dqdSourcePaths = {
  descriptions: join(specDir, 'dqd_OMOP_CDMv5.4_Check_Descriptions.csv'),
  table: join(specDir, 'dqd_OMOP_CDMv5.4_Table_Level.csv'),
  field: join(specDir, 'dqd_OMOP_CDMv5.4_Field_Level.csv'),
  concept: join(specDir, 'dqd_OMOP_CDMv5.4_Concept_Level.csv'),
} as const;
export const dqdGeneratedPath = join(root, 'packages/etl/src/dq/dqd-thresholds.generated.ts');

type Row = Record<string, string>;

function readCsv(path: string): Row[] {
  return parse(readFileSync(path), { columns: true, bom: true, skip_empty_lines: true }) as Row[];
}

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' || trimmed === 'NA' ? undefined : trimmed;
};

/**
 * Evaluates a DQD evaluationFilter such as `isForeignKey=='Yes' & fkDomain!= ''` against one row of a
 * threshold file. Only conjunctions of `==` / `!=` with quoted strings occur in the file; anything else is
 * refused so that a new DQD release cannot be misread silently.
 */
export function matchesEvaluationFilter(filter: string, row: Row): boolean {
  return filter.split('&').every((term) => {
    const match = /^\s*(\w+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(term);
    if (!match) throw new Error(`Cannot read evaluationFilter '${filter}': unexpected term '${term}'`);
    const [, column = '', operator, expected] = match;
    const actual = (row[column] ?? '').trim();
    return operator === '==' ? actual === expected : actual !== expected;
  });
}

/** Reads a plausibleValueLow/High bound of the field-level file. */
export function parseBound(text: string): DqdBound {
  const date = /^'(\d{4})(\d{2})(\d{2})'$/.exec(text);
  if (date) return { date: `${date[1]}-${date[2]}-${date[3]}` };
  const days = /^DATEADD\(dd,\s*(-?\d+),\s*GETDATE\(\)\)$/i.exec(text);
  if (days) return { daysFromToday: Number(days[1]) };
  const years = /^YEAR\(GETDATE\(\)\)\s*([+-]\s*\d+)?$/i.exec(text);
  if (years) return { yearsFromThisYear: Number((years[1] ?? '0').replaceAll(' ', '')) };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { number: Number(text) };
  throw new Error(`Cannot read plausible value bound '${text}'`);
}

function thresholdOf(row: Row, checkName: string): Pick<DqdCheckParameters, 'threshold' | 'notes'> {
  const threshold = present(row[`${checkName}Threshold`]);
  const notes = present(row[`${checkName}Notes`]);
  if (threshold !== undefined && !Number.isFinite(Number(threshold))) {
    throw new Error(`Cannot read threshold '${threshold}' of ${checkName}`);
  }
  return { threshold: threshold === undefined ? null : Number(threshold), ...(notes ? { notes } : {}) };
}

const lower = (value: string | undefined): string => (value ?? '').trim().toLowerCase();

function fieldParameters(checkName: string, row: Row): DqdCheckParameters {
  const base = thresholdOf(row, checkName);
  switch (checkName) {
    case 'isForeignKey':
      return { ...base, fkTable: lower(row.fkTableName), fkField: lower(row.fkFieldName) };
    case 'fkDomain':
      return { ...base, domain: (row.fkDomain ?? '').trim() };
    case 'fkClass':
      return { ...base, conceptClass: (row.fkClass ?? '').trim() };
    case 'sourceValueCompleteness':
      return { ...base, standardConceptField: lower(row.standardConceptFieldName) };
    case 'plausibleValueLow':
    case 'plausibleValueHigh':
      return { ...base, bound: parseBound((row[checkName] ?? '').trim()) };
    case 'plausibleTemporalAfter':
      return {
        ...base,
        afterTable: lower(row.plausibleTemporalAfterTableName),
        afterField: lower(row.plausibleTemporalAfterFieldName),
      };
    case 'plausibleStartBeforeEnd':
      return { ...base, endField: lower(row.plausibleStartBeforeEndFieldName) };
    default:
      return base;
  }
}

function genderOf(text: string | undefined): 'Male' | 'Female' {
  if (text === 'Male' || text === 'Female') return text;
  throw new Error(`Cannot read plausible gender '${text}'`);
}

/** The concept file lists several ancestors in one row for plausibleGenderUseDescendants ("4090861, 4025213"). */
function conceptIdsOf(row: Row): number[] {
  const ids = (row.conceptId ?? '').split(',').map((id) => Number(id.trim()));
  if (ids.some((id) => !Number.isInteger(id))) throw new Error(`Cannot read conceptId '${row.conceptId}'`);
  return ids;
}

function conceptParameters(checkName: string, row: Row): DqdCheckParameters {
  const base = thresholdOf(row, checkName);
  switch (checkName) {
    case 'plausibleValueLow':
    case 'plausibleValueHigh':
      return { ...base, value: Number(row[checkName]) };
    case 'plausibleGender':
      return { ...base, gender: genderOf(present(row.plausibleGender)) };
    case 'plausibleGenderUseDescendants':
      return {
        ...base,
        gender: genderOf(present(row.plausibleGenderUseDescendants)),
        ancestorConceptIds: conceptIdsOf(row),
      };
    case 'plausibleUnitConceptIds':
      return {
        ...base,
        unitConceptIds: (present(row.plausibleUnitConceptIds) ?? '')
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '')
          .map(Number),
      };
    default:
      return base;
  }
}

/**
 * Concept-level plausibleValueLow/High are not in the CDM 5.4 descriptions file (DQD 2 folded them into
 * the field-level rows), but the concept file gives bounds per concept and unit: we run them too.
 */
const conceptValueChecks = [
  { name: 'plausibleValueLow', evaluationFilter: "plausibleValueLow!=''" },
  { name: 'plausibleValueHigh', evaluationFilter: "plausibleValueHigh!=''" },
];

export interface DqdDefinitions {
  readonly checkTypes: DqdCheckType[];
  readonly tableChecks: DqdTableChecks[];
  readonly fieldChecks: DqdFieldChecks[];
  readonly conceptChecks: DqdConceptChecks[];
}

/** Reads the DQD files and keeps, per table, field and concept, the checks that apply. */
export function readDqdDefinitions(): DqdDefinitions {
  const descriptions = readCsv(dqdSourcePaths.descriptions);
  const checkTypes: DqdCheckType[] = descriptions.map((row) => {
    const subcategory = present(row.kahnSubcategory);
    return {
      name: (row.checkName ?? '').trim(),
      level: (row.checkLevel ?? '').trim() as DqdCheckType['level'],
      description: (row.checkDescription ?? '').trim().replace(/\s+/g, ' '),
      kahnContext: (row.kahnContext ?? '').trim(),
      kahnCategory: (row.kahnCategory ?? '').trim(),
      ...(subcategory ? { kahnSubcategory: subcategory } : {}),
      severity: (row.severity ?? '').trim(),
    };
  });
  const filtersOf = (level: string): { name: string; evaluationFilter: string }[] =>
    descriptions
      .filter((row) => row.checkLevel === level)
      .map((row) => ({ name: row.checkName ?? '', evaluationFilter: row.evaluationFilter ?? '' }));

  const tableChecks = readCsv(dqdSourcePaths.table).map((row) => ({
    table: lower(row.cdmTableName),
    checks: Object.fromEntries(
      filtersOf('TABLE')
        .filter((check) => matchesEvaluationFilter(check.evaluationFilter, row))
        .map((check) => [check.name, thresholdOf(row, check.name)]),
    ),
  }));

  const fieldChecks = readCsv(dqdSourcePaths.field).map((row) => ({
    table: lower(row.cdmTableName),
    field: lower(row.cdmFieldName),
    datatype: (row.cdmDatatype ?? '').trim(),
    checks: Object.fromEntries(
      filtersOf('FIELD')
        .filter((check) => matchesEvaluationFilter(check.evaluationFilter, row))
        .map((check) => [check.name, fieldParameters(check.name, row)]),
    ),
  }));

  const conceptChecks = readCsv(dqdSourcePaths.concept).flatMap((row) => {
    const checks = [...filtersOf('CONCEPT'), ...conceptValueChecks]
      .filter((check) => matchesEvaluationFilter(check.evaluationFilter, row))
      .map((check) => [check.name, conceptParameters(check.name, row)] as const);
    if (checks.length === 0) return [];
    const unitConceptId = present(row.unitConceptId);
    const unitConceptName = present(row.unitConceptName);
    return [
      {
        table: lower(row.cdmTableName),
        field: lower(row.cdmFieldName),
        conceptId: conceptIdsOf(row)[0] ?? 0,
        conceptName: (row.conceptName ?? '').trim(),
        ...(unitConceptId ? { unitConceptId: Number(unitConceptId) } : {}),
        ...(unitConceptName ? { unitConceptName } : {}),
        checks: Object.fromEntries(checks),
      },
    ];
  });
  return { checkTypes, tableChecks, fieldChecks, conceptChecks };
}

/** Makes the TypeScript source of the generated module: one line per check type, table, field, concept. */
export function generateDqdChecksSource(): string {
  const { checkTypes, tableChecks, fieldChecks, conceptChecks } = readDqdDefinitions();
  const line = (value: unknown): string => `  ${JSON.stringify(value)},`;
  return [
    '// Generated by scripts/generate-dqd-checks.ts from the DataQualityDashboard files for OMOP CDM 5.4',
    '// (dqd_OMOP_CDMv5.4_{Check_Descriptions,Table_Level,Field_Level,Concept_Level}.csv). Do not edit by hand.',
    "import type { DqdCheckType, DqdConceptChecks, DqdFieldChecks, DqdTableChecks } from './_dqd-definitions.ts';",
    '',
    '/** DQD check types with their Kahn category, context and severity. */',
    'export const dqdCheckTypes: readonly DqdCheckType[] = [',
    ...checkTypes.map(line),
    '];',
    '',
    '/** Table-level checks that apply, per table, with thresholds in percent. */',
    'export const dqdTableChecks: readonly DqdTableChecks[] = [',
    ...tableChecks.map(line),
    '];',
    '',
    '/** Field-level checks that apply, per field, with thresholds in percent and parameters. */',
    'export const dqdFieldChecks: readonly DqdFieldChecks[] = [',
    ...fieldChecks.map(line),
    '];',
    '',
    '/** Concept-level checks that apply, per concept (and unit), with thresholds in percent and parameters. */',
    'export const dqdConceptChecks: readonly DqdConceptChecks[] = [',
    ...conceptChecks.map(line),
    '];',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const source = generateDqdChecksSource();
  if (process.argv.includes('--check')) {
    if (readFileSync(dqdGeneratedPath, 'utf8') !== source) {
      console.error(`${dqdGeneratedPath} is out of date: run tsx scripts/generate-dqd-checks.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(dqdGeneratedPath, source);
    console.error(`wrote ${dqdGeneratedPath}`);
  }
}
