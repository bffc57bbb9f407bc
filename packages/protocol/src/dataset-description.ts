import { Type, type Static } from 'typebox';

/*
 * The description of a station's dataset, as the station publishes it to the hub and the hub serves it
 * (as HealthDCAT-AP) in its catalogue. Two parts: the statistical part the station computes from its OMOP
 * data — every count in it has passed the station's disclosure control (null = suppressed) — and the
 * descriptive part the data steward writes.
 */

const text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description === undefined ? {} : { description }) });

/** A count after disclosure control: a multiple of 5 (0 or ≥ 10), or null when suppressed. */
export const ControlledCountSchema = Type.Union([Type.Integer({ minimum: 0, maximum: 1e12 }), Type.Null()], {
  description: 'Count after disclosure control (rounded to 5; null = suppressed)',
});

const YearMonth = Type.String({
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  description: 'Year and month, YYYY-MM',
});
const Instant = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$',
  maxLength: 40,
  description: 'UTC instant, ISO 8601',
});

/** OMOP CDM tables whose rows a description counts. */
export const omopDomainTables = [
  'visit_occurrence',
  'visit_detail',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'measurement',
  'observation',
  'device_exposure',
  'specimen',
  'note',
  'death',
] as const;
export type OmopDomainTable = (typeof omopDomainTables)[number];
const OmopDomainTableSchema = Type.Enum(omopDomainTables);

/** A frequent standard concept in one table, with the persons who have it (controlled). */
export const ConceptFrequencySchema = Type.Object(
  {
    conceptId: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
    name: text(255),
    vocabularyId: text(40),
    code: text(80),
    persons: Type.Integer({ minimum: 10, maximum: 1e12 }),
    records: ControlledCountSchema,
  },
  { additionalProperties: false },
);
export type ConceptFrequency = Static<typeof ConceptFrequencySchema>;

/** One OMOP table as a variable group: record and person counts and its most frequent concepts. */
export const DomainStatisticsSchema = Type.Object(
  {
    table: OmopDomainTableSchema,
    records: ControlledCountSchema,
    persons: ControlledCountSchema,
    topConcepts: Type.Array(ConceptFrequencySchema, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type DomainStatistics = Static<typeof DomainStatisticsSchema>;

/** One cell of a controlled distribution. */
const DistributionCell = <K extends string>(keys: readonly K[]) =>
  Type.Object({ key: Type.Enum(keys), persons: ControlledCountSchema }, { additionalProperties: false });

export const sexCategories = ['female', 'male', 'other', 'unknown'] as const;
export type SexCategory = (typeof sexCategories)[number];

/** Ten-year age bands of the age distribution ('90+' is open). */
export const ageBands = [
  '0-9',
  '10-19',
  '20-29',
  '30-39',
  '40-49',
  '50-59',
  '60-69',
  '70-79',
  '80-89',
  '90+',
] as const;
export type AgeBand = (typeof ageBands)[number];

/**
 * A coding system present in the data: the OMOP vocabulary id, its URI (the FHIR/HL7 system URI where one
 * exists) and how many records use it (controlled).
 */
export const CodingSystemUsageSchema = Type.Object(
  {
    vocabularyId: text(40),
    uri: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '^(https?|urn):' })),
    records: ControlledCountSchema,
  },
  { additionalProperties: false },
);
export type CodingSystemUsage = Static<typeof CodingSystemUsageSchema>;

/** The statistical part of a dataset description, computed by the station. */
export const DatasetStatisticsSchema = Type.Object(
  {
    computedAt: Instant,
    cdmVersion: Type.Literal('5.4'),
    /** The disclosure-control thresholds the counts passed. */
    disclosureControl: Type.Object(
      {
        minCount: Type.Integer({ minimum: 8, maximum: 1000 }),
        roundTo: Type.Integer({ minimum: 5, maximum: 1000 }),
      },
      { additionalProperties: false },
    ),
    persons: ControlledCountSchema,
    /** Sum of the released (rounded) record counts of the tables. */
    records: ControlledCountSchema,
    /** 10th to 90th percentile of age at the end of observation, widened to 5-year bands; only with enough persons. */
    typicalAge: Type.Optional(
      Type.Object(
        { min: Type.Integer({ minimum: 0, maximum: 150 }), max: Type.Integer({ minimum: 0, maximum: 150 }) },
        { additionalProperties: false },
      ),
    ),
    sex: Type.Array(DistributionCell(sexCategories), { maxItems: sexCategories.length }),
    age: Type.Array(DistributionCell(ageBands), { maxItems: ageBands.length }),
    /** First and last month in which enough persons have a visit (never an exact date). */
    timeCoverage: Type.Optional(
      Type.Object({ start: YearMonth, end: YearMonth }, { additionalProperties: false }),
    ),
    codingSystems: Type.Array(CodingSystemUsageSchema, { maxItems: 100 }),
    domains: Type.Array(DomainStatisticsSchema, { maxItems: omopDomainTables.length }),
    dataQuality: Type.Optional(
      Type.Object(
        {
          /** Percent of evaluated checks that passed (OHDSI DataQualityDashboard), or null when none were evaluated. */
          score: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
          runAt: Instant,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DatasetStatistics = Static<typeof DatasetStatisticsSchema>;

/** EU data themes (http://publications.europa.eu/resource/authority/data-theme). HEAL is always added. */
export const euDataThemes = [
  'AGRI',
  'ECON',
  'EDUC',
  'ENER',
  'ENVI',
  'GOVE',
  'HEAL',
  'INTR',
  'JUST',
  'OP_DATPRO',
  'REGI',
  'SOCI',
  'TECH',
  'TRAN',
] as const;
export type EuDataTheme = (typeof euDataThemes)[number];

/** HealthDCAT-AP health categories (EHDS Art. 51 categories; healthcategories vocabulary). */
export const healthCategories = {
  EHRS: 'Electronic health data from EHRs',
  HRAD: 'Healthcare-related administrative data, including on dispensations, reimbursement claims and reimbursements',
  DIOH: 'Data on factors impacting on health, including socio-economic, environmental and behavioural determinants of health',
  NRPE: 'Aggregated data on healthcare needs, resources, provision of and access to healthcare, expenditure and financing',
  RPDG: 'Data on pathogens that impact human health',
  HGPD: 'Human genetic, epigenomic and genomic data',
  HPML: 'Other human molecular data such as proteomic, transcriptomic, metabolomic, lipidomic and other omic data',
  PGEH: 'Personal electronic health data automatically generated through medical devices',
  WELA: 'Data from wellness applications',
  IDHP: 'Data on professional status, specialisation and institution of health professionals',
  PHDR: 'Data from population-based health data registries such as public health registries',
  MRMR: 'Data from medical registries and mortality registries',
  EHCT: 'Data from clinical trials, clinical studies, clinical investigations and performance studies',
  EMRD: 'Other health data from medical devices',
  RMMD: 'Data from registries for medicinal products and medical devices',
  RQSH: 'Data from research cohorts, questionnaires and surveys related to health',
  EINS: 'Health data from biobanks and associated databases',
} as const;
export type HealthCategory = keyof typeof healthCategories;

/** HealthDCAT-AP health themes (health-theme vocabulary). */
export const healthThemes = [
  'ANTIMICROBIAL_CONTROL',
  'BLOOD_INFECTIONS',
  'CANCER_DISEASE',
  'CLIMATE_HEALTH',
  'EMERGENCY_SETTINGS',
  'ENTERIC_INFECTIONS',
  'ENVIRONMENTAL_HEALTH',
  'HEALTH_PRODUCTS',
  'HEALTH_SYSTEMS',
  'IMMUNIZATION_DISEASES',
  'INJURY_PREVENTION',
  'LIFECOURSE_HEALTH',
  'MENTAL_HEALTH',
  'NONCOMMUNICABLE_DISEASES',
  'NUTRITION_SECURITY',
  'REPRODUCTIVE_HEALTH',
  'RESPIRATORY_DISEASES',
  'SENSORY_HEALTH',
  'TROPICAL_DISEASES',
  'VECTOR_DISEASES',
] as const;
export type HealthTheme = (typeof healthThemes)[number];

/** Data Use Ontology codes (DUO, release v2021-02-23) a steward may attach: permissions and modifiers. */
export const duoCodes = {
  'DUO:0000004': 'no restriction (NRES)',
  'DUO:0000042': 'general research use (GRU)',
  'DUO:0000006': 'health or medical or biomedical research (HMB)',
  'DUO:0000007': 'disease specific research (DS)',
  'DUO:0000011': 'population origins or ancestry research only (POA)',
  'DUO:0000012': 'research specific restrictions (RS)',
  'DUO:0000015': 'no general methods research (NMDS)',
  'DUO:0000016': 'genetic studies only (GSO)',
  'DUO:0000018': 'not for profit, non commercial use only (NPUNCU)',
  'DUO:0000019': 'publication required (PUB)',
  'DUO:0000020': 'collaboration required (COL)',
  'DUO:0000021': 'ethics approval required (IRB)',
  'DUO:0000022': 'geographical restriction (GS)',
  'DUO:0000024': 'publication moratorium (MOR)',
  'DUO:0000025': 'time limit on use (TS)',
  'DUO:0000026': 'user specific restriction (US)',
  'DUO:0000027': 'project specific restriction (PS)',
  'DUO:0000028': 'institution specific restriction (IS)',
  'DUO:0000029': 'return to database or resource (RTN)',
  'DUO:0000043': 'clinical care use (CC)',
  'DUO:0000044': 'population origins or ancestry research prohibited (NPOA)',
  'DUO:0000045': 'not for profit organisation use only (NPU)',
  'DUO:0000046': 'non-commercial use only (NCU)',
} as const;
export type DuoCode = keyof typeof duoCodes;

/** EU access-right vocabulary, in the words a steward uses. */
export const accessRightsLevels = ['public', 'restricted', 'non-public'] as const;
export type AccessRights = (typeof accessRightsLevels)[number];

/** HealthDCAT-AP publisher types a Polder publisher or access body may declare. */
export const publisherTypes = [
  'inpatient-institute',
  'outpatient-institution',
  'healthcare-providers',
  'public-health-institute',
  'public-health-registry',
  'research-academic-org',
  'national-authority',
  'gov-public-sector-org',
  'non-gov-org',
] as const;
export type PublisherType = (typeof publisherTypes)[number];

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$',
  description: 'e-mail address',
});
const WebUrl = Type.String({
  minLength: 8,
  maxLength: 500,
  pattern: '^https?://[^\\s<>"]+$',
  description: 'http(s) URL',
});

/** A contact: an e-mail address, a web page or both. */
export const ContactSchema = Type.Object(
  { name: Type.Optional(text(200)), email: Type.Optional(Email), url: Type.Optional(WebUrl) },
  { additionalProperties: false },
);
export type Contact = Static<typeof ContactSchema>;

/** An organisation: the hospital that publishes, or the health data access body. */
export const OrganisationSchema = Type.Object(
  {
    name: text(200),
    type: Type.Optional(Type.Enum(publisherTypes)),
    homepage: Type.Optional(WebUrl),
    contact: ContactSchema,
  },
  { additionalProperties: false },
);
export type Organisation = Static<typeof OrganisationSchema>;

/** The descriptive part of a dataset description, written by the data steward. */
export const StewardDescriptionSchema = Type.Object(
  {
    title: text(200),
    description: text(5000),
    keywords: Type.Array(text(80), { maxItems: 30 }),
    themes: Type.Array(Type.Enum(euDataThemes), {
      maxItems: euDataThemes.length,
    }),
    healthCategories: Type.Array(Type.Enum(Object.keys(healthCategories) as HealthCategory[]), {
      minItems: 1,
      maxItems: Object.keys(healthCategories).length,
    }),
    healthThemes: Type.Optional(Type.Array(Type.Enum(healthThemes), { maxItems: healthThemes.length })),
    accessRights: Type.Enum(accessRightsLevels),
    dataUseConditions: Type.Array(Type.Enum(Object.keys(duoCodes) as DuoCode[]), {
      maxItems: Object.keys(duoCodes).length,
    }),
    /** Who the dataset covers, in words (HealthDCAT-AP populationCoverage). */
    populationCoverage: Type.Optional(text(1000)),
    contactPoint: ContactSchema,
    publisher: OrganisationSchema,
    accessBody: OrganisationSchema,
  },
  { additionalProperties: false },
);
export type StewardDescription = Static<typeof StewardDescriptionSchema>;

/**
 * What a station publishes for its dataset: the statistics, and the steward's descriptive part when the
 * steward keeps it at the station (it may instead be written on the hub).
 */
export const DatasetDescription = Type.Object(
  { statistics: DatasetStatisticsSchema, steward: Type.Optional(StewardDescriptionSchema) },
  { additionalProperties: false, description: 'Dataset description (statistics and steward part)' },
);
export type DatasetDescription = Static<typeof DatasetDescription>;

/**
 * Well-known OMOP vocabularies: their code-system URI (the FHIR/HL7 system URI; none for OMOP's own
 * vocabularies) and their HealthDCAT-AP coding-system code.
 */
export const omopVocabularies: Readonly<
  Record<string, { readonly uri?: string; readonly healthDcat?: string }>
> = Object.freeze({
  SNOMED: { uri: 'http://snomed.info/sct', healthDcat: 'SNOMED-CT' },
  LOINC: { uri: 'http://loinc.org', healthDcat: 'LOINC' },
  RxNorm: { uri: 'http://www.nlm.nih.gov/research/umls/rxnorm', healthDcat: 'RXNORM' },
  'RxNorm Extension': { healthDcat: 'OHDSI-VOCAB' },
  ATC: { uri: 'http://www.whocc.no/atc', healthDcat: 'ATC' },
  ICD10: { uri: 'http://hl7.org/fhir/sid/icd-10', healthDcat: 'ICD-10' },
  ICD10CM: { uri: 'http://hl7.org/fhir/sid/icd-10-cm', healthDcat: 'ICD-10-NAT' },
  ICD9CM: { uri: 'http://hl7.org/fhir/sid/icd-9-cm', healthDcat: 'ICD-9-CM' },
  ICDO3: { uri: 'http://terminology.hl7.org/CodeSystem/icd-o-3', healthDcat: 'ICD-O' },
  UCUM: { uri: 'http://unitsofmeasure.org', healthDcat: 'UCUM' },
  MedDRA: { uri: 'http://terminology.hl7.org/CodeSystem/mdr', healthDcat: 'MEDDRA' },
  CVX: { uri: 'http://hl7.org/fhir/sid/cvx' },
  NDC: { uri: 'http://hl7.org/fhir/sid/ndc' },
  CPT4: { uri: 'http://www.ama-assn.org/go/cpt' },
  Gender: { healthDcat: 'OHDSI-VOCAB' },
  Visit: { healthDcat: 'OHDSI-VOCAB' },
  Race: { healthDcat: 'OHDSI-VOCAB' },
  Ethnicity: { healthDcat: 'OHDSI-VOCAB' },
});
