import { Type, type Static } from 'typebox';

/*
 * The cohort language: a compact JSON definition of a cohort (entry event, inclusion rules with time windows
 * relative to the index date, concept sets with descendants, exit) and of the variables computed at index
 * (age, sex, measurement values, occurrences, time to event). These schemas are the single source of its
 * shape; validateCohortDefinition() adds the checks a schema cannot express (references, ordering).
 */

const strict = { additionalProperties: false } as const;

/** Largest span in days a window, an offset or a censoring time may have: 200 years. */
export const maxCohortDays = 73_000;

/** An OMOP concept id (concept.concept_id). */
export const ConceptIdSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** One item of a concept set: a concept, optionally with its descendants (concept_ancestor), optionally removed. */
export const ConceptSetItemSchema = Type.Object(
  {
    concept: ConceptIdSchema,
    /** Include every descendant in cdm.concept_ancestor. @default false */
    descendants: Type.Optional(Type.Boolean()),
    /** Remove this concept (and its descendants when `descendants`) from the set. @default false */
    exclude: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ConceptSetItem = Static<typeof ConceptSetItemSchema>;

/** A concept set: the concepts it is made of. */
export const ConceptSetSchema = Type.Array(ConceptSetItemSchema, { minItems: 1, maxItems: 20_000 });

const conceptSetName = Type.String({ minLength: 1, maxLength: 200 });

/**
 * Which records of a domain: those whose concept is in a named concept set, or one concept (optionally with
 * descendants), or — when empty — every record of the domain (`death: {}`).
 */
export const ConceptSelectorSchema = Type.Object(
  {
    conceptSet: Type.Optional(conceptSetName),
    concept: Type.Optional(ConceptIdSchema),
    descendants: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ConceptSelector = Static<typeof ConceptSelectorSchema>;

/** The OMOP domains a criterion can name, each with its CDM table (see the compiler for the columns). */
export const occurrenceDomains = [
  'condition',
  'drug',
  'procedure',
  'measurement',
  'observation',
  'visit',
  'visitDetail',
  'device',
  'death',
] as const;
export type OccurrenceDomain = (typeof occurrenceDomains)[number];

/** Domains whose records carry a numeric value (value_as_number). */
export const valueDomains = ['measurement', 'observation'] as const;

const day = Type.Integer({ minimum: -maxCohortDays, maximum: maxCohortDays });

/**
 * A window in days relative to the index date, both ends inclusive; an absent end is open
 * (`{ toDays: -1 }` = any time before the index date).
 */
export const DayWindowSchema = Type.Object(
  { fromDays: Type.Optional(day), toDays: Type.Optional(day) },
  strict,
);

/** Points of the entry event a window can be anchored at. */
export const windowAnchors = ['entry.start', 'entry.end', 'index'] as const;
export type WindowAnchor = (typeof windowAnchors)[number];

/** A window between two points of the entry event (e.g. during the entry visit), both ends inclusive. */
export const AnchorWindowSchema = Type.Object(
  { from: Type.Enum(windowAnchors), to: Type.Enum(windowAnchors) },
  strict,
);

/** When a record's start date must lie relative to the entry event. */
export const WindowSchema = Type.Union([DayWindowSchema, AnchorWindowSchema]);
export type CohortWindow = Static<typeof WindowSchema>;

/** Days of observation an entry event needs before and after its index date. */
export const ObservationWindowSchema = Type.Object(
  {
    priorDays: Type.Integer({ minimum: 0, maximum: maxCohortDays }),
    postDays: Type.Integer({ minimum: 0, maximum: maxCohortDays }),
  },
  strict,
);

const entryOptions = {
  /** Keep only each person's earliest qualifying entry event (before the inclusion rules). @default false */
  first: Type.Optional(Type.Boolean()),
  /** Whether the index date is the entry event's start or end date. @default 'start' */
  indexAt: Type.Optional(Type.Enum(['start', 'end'])),
  /** @default { priorDays: 0, postDays: 0 } */
  observationWindow: Type.Optional(ObservationWindowSchema),
};

/** An event of one domain: `{ condition: { conceptSet: 'gi bleed' } }`. */
export const EventCriterionSchema = Type.Union([
  Type.Object({ condition: ConceptSelectorSchema }, strict),
  Type.Object({ drug: ConceptSelectorSchema }, strict),
  Type.Object({ procedure: ConceptSelectorSchema }, strict),
  Type.Object({ measurement: ConceptSelectorSchema }, strict),
  Type.Object({ observation: ConceptSelectorSchema }, strict),
  Type.Object({ visit: ConceptSelectorSchema }, strict),
  Type.Object({ visitDetail: ConceptSelectorSchema }, strict),
  Type.Object({ device: ConceptSelectorSchema }, strict),
  Type.Object({ death: ConceptSelectorSchema }, strict),
]);
export type EventCriterion = Static<typeof EventCriterionSchema>;

/**
 * The entry event: one domain criterion (`{ condition: {...} }`), or `anyOf` several (an ATLAS cohort with
 * more than one primary criterion); each person's entry events must lie in an observation period.
 */
export const EntrySchema = Type.Union([
  Type.Object({ condition: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ drug: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ procedure: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ measurement: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ observation: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ visit: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ visitDetail: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ device: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object({ death: ConceptSelectorSchema, ...entryOptions }, strict),
  Type.Object(
    { anyOf: Type.Array(EventCriterionSchema, { minItems: 1, maxItems: 50 }), ...entryOptions },
    strict,
  ),
]);
export type CohortEntry = Static<typeof EntrySchema>;

const ruleName = Type.String({ minLength: 1, maxLength: 200 });

/** How many records a criterion needs in its window (both ends inclusive). @default { min: 1 } */
export const OccurrencesSchema = Type.Object(
  {
    min: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  strict,
);

const occurrenceRule = {
  name: ruleName,
  /** @default any time */
  window: Type.Optional(WindowSchema),
  occurrences: Type.Optional(OccurrencesSchema),
  /** The rule passes when the criterion is NOT met. @default false */
  negate: Type.Optional(Type.Boolean()),
};

/** Sex as OMOP gender concept (8507 male, 8532 female) or its name. */
export const SexSchema = Type.Union([
  Type.Literal(8507),
  Type.Literal(8532),
  Type.Literal('male'),
  Type.Literal('female'),
]);

const age = Type.Integer({ minimum: 0, maximum: 150 });

/** One named inclusion rule; an entry event stays when it passes every rule. */
export const InclusionRuleSchema = Type.Union([
  Type.Object(
    { name: ruleName, age: Type.Object({ min: Type.Optional(age), max: Type.Optional(age) }, strict) },
    strict,
  ),
  Type.Object({ name: ruleName, sex: SexSchema }, strict),
  Type.Object({ condition: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ drug: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ procedure: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ measurement: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ observation: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ visit: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ visitDetail: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ device: ConceptSelectorSchema, ...occurrenceRule }, strict),
  Type.Object({ death: ConceptSelectorSchema, ...occurrenceRule }, strict),
]);
export type InclusionRule = Static<typeof InclusionRuleSchema>;

/** When a person leaves the cohort (end_date). @default { endOfObservation: true } */
export const ExitSchema = Type.Union([
  Type.Object({ endOfObservation: Type.Literal(true) }, strict),
  Type.Object(
    {
      /** Days after the entry event's start (or end), capped at the end of the observation period. */
      fixedDays: Type.Integer({ minimum: 0, maximum: maxCohortDays }),
      /** @default 'start' */
      from: Type.Optional(Type.Enum(['start', 'end'])),
    },
    strict,
  ),
]);
export type CohortExit = Static<typeof ExitSchema>;

/** The pattern of a variable name: a column name that is safe and portable (PostgreSQL's 63 characters). */
export const variableNamePattern = /^[a-z][a-zA-Z0-9_]{0,62}$/;

const variableValues = ['last', 'first', 'mean', 'min', 'max', 'exists', 'count', 'daysToEvent'] as const;
/** What a variable computes from its domain's records. */
export type VariableValue = (typeof variableValues)[number];

const occurrenceVariable = {
  /**
   * `exists` (0/1) and `count` of records in the window; for measurement and observation also `first`,
   * `last`, `mean`, `min`, `max` of value_as_number; `daysToEvent` (with `censorAtDays`) gives two columns.
   */
  value: Type.Enum(variableValues),
  /** Required except for daysToEvent, where only `fromDays` counts. */
  window: Type.Optional(WindowSchema),
  /** daysToEvent only: follow-up ends this many days after the index date (or at the end of observation). */
  censorAtDays: Type.Optional(Type.Integer({ minimum: 1, maximum: maxCohortDays })),
};

/** A variable: one column (two for daysToEvent) computed per person at the index date. */
export const VariableSchema = Type.Union([
  Type.Object({ age: Type.Literal('index') }, strict),
  /** `concept`: gender_concept_id; `label`: 'male', 'female', 'other' or 'unknown'. */
  Type.Object({ sex: Type.Enum(['concept', 'label']) }, strict),
  Type.Object({ condition: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ drug: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ procedure: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ measurement: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ observation: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ visit: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ visitDetail: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ device: ConceptSelectorSchema, ...occurrenceVariable }, strict),
  Type.Object({ death: ConceptSelectorSchema, ...occurrenceVariable }, strict),
]);
export type CohortVariable = Static<typeof VariableSchema>;

/** A cohort definition: who enters, when (index date), who stays, until when, and what is measured. */
export const CohortDefinitionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 500 }),
    conceptSets: Type.Optional(Type.Record(conceptSetName, ConceptSetSchema, { maxProperties: 500 })),
    entry: EntrySchema,
    inclusion: Type.Optional(Type.Array(InclusionRuleSchema, { maxItems: 100 })),
    exit: Type.Optional(ExitSchema),
    variables: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 63 }), VariableSchema, { maxProperties: 500 }),
    ),
  },
  strict,
);
export type CohortDefinition = Static<typeof CohortDefinitionSchema>;

/** The criterion's domain and selector: the one key of `criterion` that names a domain. */
export function domainOf(
  criterion: object,
): { domain: OccurrenceDomain; selector: ConceptSelector } | undefined {
  for (const domain of occurrenceDomains) {
    if (Object.hasOwn(criterion, domain)) {
      const selector = (criterion as Record<string, unknown>)[domain] as ConceptSelector;
      return { domain, selector };
    }
  }
  return undefined;
}
