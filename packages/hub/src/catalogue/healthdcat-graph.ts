import { DataFactory, type Quad, type Quad_Object, type Quad_Subject } from 'n3';
import {
  duoCodes,
  healthCategories,
  omopVocabularies,
  type DatasetStatistics,
  type Organisation,
  type StewardDescription,
} from '@polder/protocol';
import { authority, duoIri, ehdsRegulation, iri, type Prefix } from './_namespaces.ts';

const { namedNode, literal, quad } = DataFactory;

/** What the hub says about itself in its catalogue. Read once from configuration. */
export interface CatalogueSettings {
  /** Public base URL of the hub, without a trailing slash (dataset IRIs are `${baseUrl}/datasets/{id}`). */
  readonly baseUrl: string;
  readonly title: string;
  readonly description: string;
  /** The organisation that runs the hub and publishes the catalogue. */
  readonly publisherName: string;
  /** ISO 3166 alpha-3 code of the country the catalogue covers (EU country authority table). @default 'NLD' */
  readonly country?: string;
}

/** One dataset as the hub keeps it: both parts of its description plus the hub's own metadata. */
export interface CatalogueDataset {
  /** The hub's id of the dataset (UUID); its IRI is `${baseUrl}/datasets/{id}`. */
  readonly id: string;
  /** Name of the station (hospital) the dataset lives at. */
  readonly stationName: string;
  /** The station's statistics: a dataset enters the catalogue once its station has published them. */
  readonly statistics: DatasetStatistics;
  readonly steward: StewardDescription;
  /** When the dataset was first published in the catalogue. */
  readonly issued: Date;
  /** When either part of its description last changed. */
  readonly modified: Date;
}

/** The stable IRI of a dataset in the catalogue. */
export const datasetIri = (settings: CatalogueSettings, id: string): string =>
  `${settings.baseUrl}/datasets/${id}`;

/** The IRI of the catalogue itself. */
export const catalogueIri = (settings: CatalogueSettings): string => `${settings.baseUrl}/catalogue`;

const accessRightCodes = { public: 'PUBLIC', restricted: 'RESTRICTED', 'non-public': 'NON_PUBLIC' } as const;

/** The EU access-right IRI of a steward's access level. */
export const accessRightIri = (level: StewardDescription['accessRights']): string =>
  `${authority.accessRight}/${accessRightCodes[level]}`;

const tableTitles: Readonly<Record<string, string>> = {
  visit_occurrence: 'Visits',
  visit_detail: 'Visit details (e.g. ward and ICU stays)',
  condition_occurrence: 'Conditions (diagnoses)',
  drug_exposure: 'Drug exposures',
  procedure_occurrence: 'Procedures',
  measurement: 'Measurements (laboratory results, vital signs)',
  observation: 'Observations',
  device_exposure: 'Device exposures',
  specimen: 'Specimens',
  note: 'Clinical notes',
  death: 'Deaths',
};

const conceptColumn: Readonly<Record<string, string>> = {
  visit_occurrence: 'visit_concept_id',
  visit_detail: 'visit_detail_concept_id',
  condition_occurrence: 'condition_concept_id',
  drug_exposure: 'drug_concept_id',
  procedure_occurrence: 'procedure_concept_id',
  measurement: 'measurement_concept_id',
  observation: 'observation_concept_id',
  device_exposure: 'device_concept_id',
  specimen: 'specimen_concept_id',
  note: 'note_class_concept_id',
  death: 'cause_concept_id',
};

class GraphBuilder {
  readonly quads: Quad[] = [];
  readonly #seen = new Set<string>();
  add(
    subject: string | Quad_Subject,
    prefix: Prefix,
    local: string,
    object: Quad_Object | string | undefined,
  ): void {
    if (object === undefined) return;
    const s = typeof subject === 'string' ? namedNode(subject) : subject;
    const o = typeof object === 'string' ? namedNode(object) : object;
    const p = iri(prefix, local);
    // Shared terms (the regulation, the country) are typed once however many datasets cite them.
    const key = `${s.value} ${p} ${o.termType} ${o.value} ${o.termType === 'Literal' ? `${o.language} ${o.datatype.value}` : ''}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.quads.push(quad(s, namedNode(p), o));
  }
  type(subject: string, prefix: Prefix, local: string): void {
    this.add(subject, 'rdf', 'type', iri(prefix, local));
  }
  text(subject: string, prefix: Prefix, local: string, value: string | undefined): void {
    if (value !== undefined) this.add(subject, prefix, local, literal(value, 'en'));
  }
  plain(subject: string, prefix: Prefix, local: string, value: string | undefined): void {
    if (value !== undefined) this.add(subject, prefix, local, literal(value));
  }
  typed(
    subject: string,
    prefix: Prefix,
    local: string,
    value: string | number | null | undefined,
    datatype: string,
  ): void {
    if (value !== undefined && value !== null)
      this.add(subject, prefix, local, literal(String(value), namedNode(iri('xsd', datatype))));
  }
}

/**
 * The HealthDCAT-AP graph of one dataset: the dcat:Dataset with the steward's descriptive part, the
 * station's (already disclosure-controlled) statistics, its publisher (the hospital) and access body, its
 * contact point, variables as a CSVW table group (one table per OMOP table) and one distribution: federated
 * analysis through the hub under a permit. External terms the shapes require a class for (access rights,
 * legislation, standards, personal-data categories, landing page) are typed in the graph itself, as the
 * HealthDCAT-AP example does, so that the description validates without the EU vocabularies.
 */
export function datasetGraph(dataset: CatalogueDataset, settings: CatalogueSettings): Quad[] {
  const g = new GraphBuilder();
  addDataset(g, dataset, settings);
  return g.quads;
}

/**
 * The HealthDCAT-AP graph of the catalogue: a dcat:Catalog published by the hub's operator, listing every
 * dataset, followed by each dataset's graph.
 */
export function catalogueGraph(datasets: readonly CatalogueDataset[], settings: CatalogueSettings): Quad[] {
  const g = new GraphBuilder();
  const catalogue = catalogueIri(settings);
  const operator = `${settings.baseUrl}/#operator`;
  g.type(catalogue, 'dcat', 'Catalog');
  g.text(catalogue, 'dct', 'title', settings.title);
  g.text(catalogue, 'dct', 'description', settings.description);
  g.add(catalogue, 'dct', 'publisher', operator);
  g.type(operator, 'foaf', 'Agent');
  g.text(operator, 'foaf', 'name', settings.publisherName);
  g.add(catalogue, 'dcatap', 'applicableLegislation', ehdsRegulation);
  g.type(ehdsRegulation, 'eli', 'LegalResource');
  g.add(catalogue, 'dcat', 'themeTaxonomy', authority.dataTheme);
  g.add(catalogue, 'foaf', 'homepage', `${settings.baseUrl}/`);
  g.type(`${settings.baseUrl}/`, 'foaf', 'Document');
  const country = `${authority.country}/${settings.country ?? 'NLD'}`;
  g.add(catalogue, 'dct', 'spatial', country);
  g.type(country, 'dct', 'Location');
  const latest = datasets.reduce<Date | undefined>(
    (m, d) => (m === undefined || d.modified > m ? d.modified : m),
    undefined,
  );
  if (latest !== undefined) g.typed(catalogue, 'dct', 'modified', latest.toISOString(), 'dateTime');
  for (const dataset of datasets) {
    g.add(catalogue, 'dcat', 'dataset', datasetIri(settings, dataset.id));
    addDataset(g, dataset, settings);
  }
  return g.quads;
}

function addDataset(g: GraphBuilder, dataset: CatalogueDataset, settings: CatalogueSettings): void {
  const d = datasetIri(settings, dataset.id);
  const { steward, statistics } = dataset;
  g.type(d, 'dcat', 'Dataset');
  g.text(d, 'dct', 'title', steward.title);
  g.text(d, 'dct', 'description', steward.description);
  g.plain(d, 'dct', 'identifier', dataset.id);
  g.typed(d, 'dct', 'issued', dataset.issued.toISOString(), 'dateTime');
  g.typed(d, 'dct', 'modified', dataset.modified.toISOString(), 'dateTime');
  const access = accessRightIri(steward.accessRights);
  g.add(d, 'dct', 'accessRights', access);
  g.type(access, 'dct', 'RightsStatement');
  g.add(d, 'dcatap', 'applicableLegislation', ehdsRegulation);
  g.type(ehdsRegulation, 'eli', 'LegalResource');
  g.add(d, 'dct', 'type', `${authority.datasetType}/STATISTICAL`);
  const country = `${authority.country}/${settings.country ?? 'NLD'}`;
  g.add(d, 'dct', 'spatial', country);
  g.type(country, 'dct', 'Location');
  const omopCdm = `${authority.standard}/OMOP-CDM`;
  g.add(d, 'dct', 'conformsTo', omopCdm);
  g.type(omopCdm, 'dct', 'Standard');

  for (const theme of new Set(['HEAL', ...steward.themes]))
    g.add(d, 'dcat', 'theme', `${authority.dataTheme}/${theme}`);
  for (const keyword of steward.keywords) g.text(d, 'dcat', 'keyword', keyword);
  for (const category of steward.healthCategories) {
    if (Object.hasOwn(healthCategories, category))
      g.add(d, 'healthdcatap', 'healthCategory', `${authority.healthCategories}/${category}`);
  }
  for (const theme of steward.healthThemes ?? [])
    g.add(d, 'healthdcatap', 'healthTheme', `${authority.healthTheme}/${theme}`);
  g.text(d, 'healthdcatap', 'populationCoverage', steward.populationCoverage);

  const provenance = `${d}#provenance`;
  g.add(d, 'dct', 'provenance', provenance);
  g.type(provenance, 'dct', 'ProvenanceStatement');
  g.text(
    provenance,
    'rdfs',
    'label',
    `Electronic health records of ${dataset.stationName}, transformed to the OMOP Common Data Model 5.4 at the hospital's Polder station. ` +
      `Statistics computed by the station on ${statistics.computedAt.slice(0, 10)}; counts below ${statistics.disclosureControl.minCount} are suppressed and others rounded to the nearest ${statistics.disclosureControl.roundTo}.`,
  );

  const contact = `${d}#contact`;
  g.add(d, 'dcat', 'contactPoint', contact);
  g.type(contact, 'vcard', 'Kind');
  g.text(contact, 'vcard', 'fn', steward.contactPoint.name ?? steward.publisher.name);
  if (steward.contactPoint.email !== undefined)
    g.add(contact, 'vcard', 'hasEmail', `mailto:${steward.contactPoint.email}`);
  if (steward.contactPoint.url !== undefined) g.add(contact, 'vcard', 'hasURL', steward.contactPoint.url);
  if (steward.contactPoint.email === undefined && steward.contactPoint.url === undefined) {
    g.add(contact, 'vcard', 'hasURL', d);
  }

  const publisher = addOrganisation(g, `${d}#publisher`, steward.publisher, 'inpatient-institute');
  g.add(d, 'dct', 'publisher', publisher);
  g.add(d, 'geodcatap', 'custodian', publisher);
  g.add(d, 'healthdcatap', 'hdab', addOrganisation(g, `${d}#access-body`, steward.accessBody, undefined));

  for (const category of ['Age', 'Gender']) {
    const term = iri('dpvpd', category);
    g.add(d, 'dpv', 'hasPersonalData', term);
    g.type(term, 'dpv', 'PersonalData');
  }

  const distribution = `${d}#federated-analysis`;
  g.add(d, 'dcat', 'distribution', distribution);
  g.type(distribution, 'dcat', 'Distribution');
  g.text(distribution, 'dct', 'title', 'Federated analysis');
  g.text(
    distribution,
    'dct',
    'description',
    `Row-level data never leave ${dataset.stationName}. Under a data permit of the health data access body, approved analyses run at the station and return disclosure-controlled aggregates only.`,
  );
  g.add(distribution, 'dcat', 'accessURL', d);
  g.add(distribution, 'dcatap', 'applicableLegislation', ehdsRegulation);
  if (steward.dataUseConditions.length > 0) {
    const rights = `${d}#data-use-conditions`;
    g.add(distribution, 'dct', 'rights', rights);
    g.type(rights, 'dct', 'RightsStatement');
    g.text(
      rights,
      'rdfs',
      'label',
      `Data use conditions (Data Use Ontology): ${steward.dataUseConditions.map((c) => `${duoCodes[c]} [${c}]`).join('; ')}.`,
    );
    for (const code of steward.dataUseConditions) g.add(rights, 'rdfs', 'seeAlso', duoIri(code));
  }

  addStatistics(g, d, statistics);
}

function addOrganisation(
  g: GraphBuilder,
  node: string,
  organisation: Organisation,
  defaultType: string | undefined,
): string {
  g.type(node, 'foaf', 'Agent');
  g.text(node, 'foaf', 'name', organisation.name);
  const type = organisation.type ?? defaultType;
  if (type !== undefined) g.add(node, 'dct', 'type', `${authority.publisherType}/${type}`);
  if (organisation.homepage !== undefined) {
    g.add(node, 'foaf', 'homepage', organisation.homepage);
    g.type(organisation.homepage, 'foaf', 'Document');
  }
  const contact = `${node}-contact`;
  g.add(node, 'cv', 'contactPoint', contact);
  g.type(contact, 'cv', 'ContactPoint');
  g.plain(contact, 'cv', 'email', organisation.contact.email);
  const page = organisation.contact.url ?? organisation.homepage;
  if (page !== undefined) g.add(contact, 'cv', 'contactPage', page);
  return node;
}

function addStatistics(g: GraphBuilder, d: string, statistics: DatasetStatistics): void {
  g.typed(d, 'healthdcatap', 'numberOfUniqueIndividuals', statistics.persons, 'nonNegativeInteger');
  g.typed(d, 'healthdcatap', 'numberOfRecords', statistics.records, 'nonNegativeInteger');
  if (statistics.typicalAge !== undefined) {
    g.typed(d, 'healthdcatap', 'minTypicalAge', statistics.typicalAge.min, 'nonNegativeInteger');
    g.typed(d, 'healthdcatap', 'maxTypicalAge', statistics.typicalAge.max, 'nonNegativeInteger');
  }
  if (statistics.timeCoverage !== undefined) {
    const period = `${d}#time-coverage`;
    g.add(d, 'dct', 'temporal', period);
    g.type(period, 'dct', 'PeriodOfTime');
    g.typed(period, 'dcat', 'startDate', statistics.timeCoverage.start, 'gYearMonth');
    g.typed(period, 'dcat', 'endDate', statistics.timeCoverage.end, 'gYearMonth');
  }
  const codingSystems = new Set<string>();
  for (const system of statistics.codingSystems) {
    const code = Object.hasOwn(omopVocabularies, system.vocabularyId)
      ? omopVocabularies[system.vocabularyId]?.healthDcat
      : undefined;
    if (code !== undefined) codingSystems.add(code);
  }
  for (const code of [...codingSystems].sort()) {
    const system = `${authority.codingSystem}/${code}`;
    g.add(d, 'healthdcatap', 'hasCodingSystem', system);
    g.type(system, 'dct', 'Standard');
  }
  for (const domain of statistics.domains) {
    for (const concept of domain.topConcepts)
      g.plain(d, 'healthdcatap', 'hasCodeValues', `${concept.vocabularyId}:${concept.code}`);
  }
  if (statistics.dataQuality !== undefined && statistics.dataQuality.score !== null) {
    const measurement = `${d}#data-quality`;
    g.add(d, 'dqv', 'hasQualityMeasurement', measurement);
    g.type(measurement, 'dqv', 'QualityMeasurement');
    g.add(
      measurement,
      'dqv',
      'isMeasurementOf',
      'https://ohdsi.github.io/DataQualityDashboard/#percentPassed',
    );
    g.typed(measurement, 'dqv', 'value', statistics.dataQuality.score, 'decimal');
    g.typed(measurement, 'dct', 'date', statistics.dataQuality.runAt, 'dateTime');
  }

  const tables = statistics.domains.filter((domain) => domain.records !== 0);
  g.typed(d, 'healthdcatap', 'hasStructuredData', tables.length > 0 ? 'true' : 'false', 'boolean');
  if (tables.length === 0) return;
  const group = `${d}#variables`;
  g.add(d, 'healthdcatap', 'hasVariables', group);
  g.type(group, 'csvw', 'TableGroup');
  g.text(group, 'dct', 'title', 'OMOP CDM 5.4 tables held by the station');
  for (const domain of tables) {
    const table = `${d}#table-${domain.table}`;
    g.add(group, 'csvw', 'table', table);
    g.type(table, 'csvw', 'Table');
    g.text(table, 'dct', 'title', tableTitles[domain.table] ?? domain.table);
    for (const concept of domain.topConcepts) g.text(table, 'dcat', 'keyword', concept.name);
    const column = `${table}-${conceptColumn[domain.table] ?? 'concept_id'}`;
    g.add(table, 'csvw', 'column', column);
    g.type(column, 'csvw', 'Column');
    g.plain(column, 'csvw', 'name', conceptColumn[domain.table] ?? 'concept_id');
    g.text(column, 'csvw', 'title', `${tableTitles[domain.table] ?? domain.table}: standard concept`);
    g.text(column, 'dct', 'description', describeDomain(domain));
    g.plain(column, 'csvw', 'datatype', 'integer');
  }
}

const shown = (count: number | null): string =>
  count === null ? 'fewer than the disclosure threshold' : count.toLocaleString('en');

function describeDomain(domain: DatasetStatistics['domains'][number]): string {
  const top = domain.topConcepts
    .slice(0, 10)
    .map((c) => `${c.name} (${c.vocabularyId} ${c.code}, ${c.persons.toLocaleString('en')} persons)`)
    .join('; ');
  return (
    `OMOP concept of each row. ${shown(domain.records)} records of ${shown(domain.persons)} persons (rounded).` +
    (top === '' ? '' : ` Most frequent: ${top}.`)
  );
}
