/** Namespaces of the vocabularies HealthDCAT-AP uses, with the prefixes Turtle and JSON-LD output use. */
export const prefixes = {
  adms: 'http://www.w3.org/ns/adms#',
  csvw: 'http://www.w3.org/ns/csvw#',
  cv: 'http://data.europa.eu/m8g/',
  dcat: 'http://www.w3.org/ns/dcat#',
  dcatap: 'http://data.europa.eu/r5r/',
  dct: 'http://purl.org/dc/terms/',
  dpv: 'https://w3id.org/dpv#',
  dpvpd: 'https://w3id.org/dpv/dpv-pd#',
  dqv: 'http://www.w3.org/ns/dqv#',
  eli: 'http://data.europa.eu/eli/ontology#',
  foaf: 'http://xmlns.com/foaf/0.1/',
  geodcatap: 'http://data.europa.eu/930/',
  healthdcatap: 'http://healthdataportal.eu/ns/health#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

export type Prefix = keyof typeof prefixes;

/** The IRI of `prefix:local`. */
export const iri = (prefix: Prefix, local: string): string => `${prefixes[prefix]}${local}`;

/** EU and HealthDCAT-AP controlled vocabularies (authority tables). */
export const authority = {
  accessRight: 'http://publications.europa.eu/resource/authority/access-right',
  dataTheme: 'http://publications.europa.eu/resource/authority/data-theme',
  datasetType: 'http://publications.europa.eu/resource/authority/dataset-type',
  country: 'http://publications.europa.eu/resource/authority/country',
  language: 'http://publications.europa.eu/resource/authority/language',
  healthCategories: 'https://hdeu-dcat.data.health.europa.eu/resource/authority/healthcategories',
  healthTheme: 'https://hdeu-dcat.data.health.europa.eu/resource/authority/health-theme',
  codingSystem: 'https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system',
  standard: 'https://hdeu-dcat.data.health.europa.eu/resource/authority/standard',
  publisherType: 'https://hdeu-dcat.data.health.europa.eu/resource/authority/publisher-type',
} as const;

/** The EHDS regulation, (EU) 2025/327, as an ELI: the legislation every description applies. */
export const ehdsRegulation = 'http://data.europa.eu/eli/reg/2025/327/oj';

/** Data Use Ontology term IRIs: DUO:0000042 → http://purl.obolibrary.org/obo/DUO_0000042. */
export const duoIri = (code: string): string => `http://purl.obolibrary.org/obo/${code.replace(':', '_')}`;
