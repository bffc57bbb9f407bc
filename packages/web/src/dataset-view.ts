/*
 * The JSON view of one dataset (GET /api/datasets/:id). The route negotiates JSON, JSON-LD and Turtle, so
 * its OpenAPI entry has no JSON schema to generate types from; this declares only the part the app reads,
 * after the hub's JSON view (the station's statistics and the steward's description, as published).
 */

/** A count after the station's disclosure control: rounded, or null when suppressed. */
export type ControlledCount = number | null;

/** One cell of a distribution. */
export interface DistributionCell {
  readonly key: string;
  readonly persons: ControlledCount;
}

/** The statistical part, computed by the station. */
export interface DatasetStatisticsView {
  readonly computedAt: string;
  readonly disclosureControl: { readonly minCount: number; readonly roundTo: number };
  readonly persons: ControlledCount;
  readonly records: ControlledCount;
  readonly typicalAge?: { readonly min: number; readonly max: number };
  readonly sex: readonly DistributionCell[];
  readonly age: readonly DistributionCell[];
  readonly timeCoverage?: { readonly start: string; readonly end: string };
  readonly codingSystems: readonly {
    readonly vocabularyId: string;
    readonly uri?: string;
    readonly records: ControlledCount;
  }[];
  readonly domains: readonly {
    readonly table: string;
    readonly records: ControlledCount;
    readonly persons: ControlledCount;
    /** The most frequent standard concepts of the table (each with at least 10 persons). */
    readonly topConcepts?: readonly {
      readonly conceptId: number;
      readonly name: string;
      readonly vocabularyId: string;
      readonly code: string;
      readonly persons: number;
    }[];
  }[];
  readonly dataQuality?: { readonly score: number | null; readonly runAt: string };
}

/** A contact: e-mail, web page or both. */
export interface ContactView {
  readonly name?: string;
  readonly email?: string;
  readonly url?: string;
}

/** The descriptive part, written by the data steward. */
export interface StewardDescriptionView {
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly themes: readonly string[];
  readonly healthCategories: readonly string[];
  readonly accessRights: string;
  readonly dataUseConditions: readonly string[];
  readonly populationCoverage?: string;
  readonly contactPoint: ContactView;
  readonly publisher: { readonly name: string; readonly homepage?: string; readonly contact: ContactView };
  readonly accessBody: { readonly name: string; readonly contact: ContactView };
}

/** A dataset as GET /api/datasets/:id answers it in JSON. */
export interface DatasetView {
  readonly id: string;
  readonly iri: string;
  readonly stationName: string;
  readonly published: boolean;
  readonly issued: string | null;
  readonly modified: string;
  readonly statistics: DatasetStatisticsView | null;
  readonly steward: StewardDescriptionView | null;
}
