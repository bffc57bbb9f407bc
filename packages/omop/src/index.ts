export { cdmTables } from './cdm-schema.generated.ts';
export type { CdmFieldSpec, CdmForeignKey, CdmTableSpec } from './cdm-table-spec.ts';
export { cdmDdl, createCdmSchema, duckdbTypeOf, findCdmTable, quoteIdentifier } from './cdm-ddl.ts';
export type { CdmSchemaOptions } from './cdm-ddl.ts';
