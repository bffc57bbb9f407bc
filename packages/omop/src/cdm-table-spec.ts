/** A foreign key as the OMOP spec states it; `domain` and `conceptClass` restrict which concepts fit. */
export interface CdmForeignKey {
  readonly table: string;
  readonly field: string;
  readonly domain?: string;
  readonly conceptClass?: string;
}

/** One field of an OMOP CDM table, as in OMOP_CDMv5.4_Field_Level.csv (datatype lower-cased). */
export interface CdmFieldSpec {
  readonly name: string;
  /** The spec's datatype: integer, float, date, datetime, varchar(n), varchar(max). */
  readonly datatype: string;
  readonly required: boolean;
  readonly primaryKey: boolean;
  readonly foreignKey?: CdmForeignKey;
}

/** One OMOP CDM table. `kind` separates clinical/health-system tables from the vocabulary tables. */
export interface CdmTableSpec {
  readonly name: string;
  readonly kind: 'cdm' | 'vocabulary';
  readonly fields: readonly CdmFieldSpec[];
}
