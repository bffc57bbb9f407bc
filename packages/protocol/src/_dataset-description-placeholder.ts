import { Type, type Static } from 'typebox';

// Stands in for the schema in dataset-description.ts until that file lands; any JSON object passes.
export const DatasetDescription = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), {
  description: 'Dataset description (HealthDCAT-AP)',
});
export type DatasetDescription = Static<typeof DatasetDescription>;
