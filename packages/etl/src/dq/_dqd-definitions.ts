/**
 * The shapes of the OHDSI DataQualityDashboard check definitions as Polder keeps them: the check
 * descriptions and the table, field and concept threshold files, reduced to the checks that apply
 * (each check type's evaluationFilter already applied by scripts/generate-dqd-checks.ts).
 */

/** Check level, as DQD names it. */
export type DqdCheckLevel = 'TABLE' | 'FIELD' | 'CONCEPT';

/** One check type of DQD's check descriptions file (or one of Polder's own, see `_polder-checks.ts`). */
export interface DqdCheckType {
  readonly name: string;
  readonly level: DqdCheckLevel;
  /** Description with DQD's `@placeholders` (`@cdmTableName`, `@cdmFieldName`, `@conceptId`, …). */
  readonly description: string;
  readonly kahnContext: string;
  readonly kahnCategory: string;
  readonly kahnSubcategory?: string;
  readonly severity: string;
}

/**
 * A bound of plausibleValueLow/High as the threshold file writes it: a number, a date ('19500101'),
 * today plus some days (DATEADD(dd,1,GETDATE())) or this year plus some years (YEAR(GETDATE())+1).
 */
export type DqdBound =
  | { readonly number: number }
  | { readonly date: string }
  | { readonly daysFromToday: number }
  | { readonly yearsFromThisYear: number };

/** A check that applies, with its threshold in percent (`null`: none given, so any violation fails). */
export interface DqdCheckParameters {
  readonly threshold: number | null;
  readonly notes?: string;
  /** plausibleValueLow / plausibleValueHigh (field level). */
  readonly bound?: DqdBound;
  /** plausibleValueLow / plausibleValueHigh (concept level). */
  readonly value?: number;
  /** isForeignKey. */
  readonly fkTable?: string;
  readonly fkField?: string;
  /** fkDomain. */
  readonly domain?: string;
  /** fkClass. */
  readonly conceptClass?: string;
  /** sourceValueCompleteness. */
  readonly standardConceptField?: string;
  /** plausibleTemporalAfter. */
  readonly afterTable?: string;
  readonly afterField?: string;
  /** plausibleStartBeforeEnd. */
  readonly endField?: string;
  /** plausibleGender, plausibleGenderUseDescendants. */
  readonly gender?: 'Male' | 'Female';
  /** plausibleGenderUseDescendants: the ancestors whose descendants are checked (the row's conceptIds). */
  readonly ancestorConceptIds?: readonly number[];
  /** plausibleUnitConceptIds; -1 stands for "no unit". */
  readonly unitConceptIds?: readonly number[];
}

/** Table-level checks of one table (names lower-case). */
export interface DqdTableChecks {
  readonly table: string;
  readonly checks: Readonly<Record<string, DqdCheckParameters>>;
}

/** Field-level checks of one field; `datatype` is DQD's cdmDatatype. */
export interface DqdFieldChecks {
  readonly table: string;
  readonly field: string;
  readonly datatype: string;
  readonly checks: Readonly<Record<string, DqdCheckParameters>>;
}

/**
 * Concept-level checks of one concept (optionally with one unit) in one field. For a row that lists
 * several concepts (plausibleGenderUseDescendants) `conceptId` is the first of them.
 */
export interface DqdConceptChecks {
  readonly table: string;
  readonly field: string;
  readonly conceptId: number;
  readonly conceptName: string;
  readonly unitConceptId?: number;
  readonly unitConceptName?: string;
  readonly checks: Readonly<Record<string, DqdCheckParameters>>;
}
