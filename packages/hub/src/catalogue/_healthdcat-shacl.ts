import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import rdfDataModel from '@rdfjs/data-model';
import { Parser, Store, type Quad } from 'n3';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import { Validator } from 'shacl-engine';
import { targetResolvers, validations } from 'shacl-engine/sparql.js';
import { euDataThemes } from '@polder/protocol';
import { authority } from './_namespaces.ts';

/*
 * Test helper: validates a graph against the HealthDCAT-AP shapes in ../shared/data/healthdcat-ap, the
 * way the HealthData@EU validator (ITB) does with validator/config.properties: the level's shapes files,
 * their owl:imports of the DCAT-AP 3.0.0 shapes resolved to local files, and the controlled vocabularies
 * merged into the data graph (ITB merges imported models into the data before validating).
 *
 * What is absent from the shared folder, and what stands in for it:
 * - HealthDCAT-AP's deprecated/deprecateduris.ttl: DCAT-AP 3.0.0's html/shacl/deprecateduris.ttl.
 * - EU vocabularies not copied (access-right, data-theme, dataset-type, country, language, frequency, file-type)
 *   and the HealthDCAT-AP coding-system and publisher-type vocabularies: {@linkcode absentVocabularyStandIn}
 *   declares, for each term Polder uses from them, what the vocabulary itself asserts (a skos:Concept
 *   with a prefLabel in its scheme); the schemes get a dct:title.
 * - The ontologies the shapes import (DCAT, FOAF, vCard, …) add only class hierarchies; Polder types its
 *   nodes with the exact classes the shapes name, so they are not needed.
 */

const sharedDir = fileURLToPath(new URL('../../../../../shared/data/healthdcat-ap/', import.meta.url));

/** HealthDCAT-AP validation levels (validator.type in config.properties). */
export type HealthDcatLevel = 'public' | 'restricted' | 'non-public';

/** One violation or warning, in words a test failure can show. */
export interface ShaclFinding {
  readonly severity: 'Violation' | 'Warning' | 'Info';
  readonly focusNode: string;
  readonly path: string;
  readonly message: string;
  readonly value?: string;
}

function sharedPath(...parts: string[]): string {
  const path = join(sharedDir, ...parts);
  if (!existsSync(path)) {
    throw new Error(
      `Cannot validate HealthDCAT-AP: ${path} is missing — ../shared/data/healthdcat-ap (HealthDCAT-AP release and DCAT-AP 3.0.0 shapes) must sit beside the repository`,
    );
  }
  return path;
}

const healthDir = () => sharedPath('healthdcat-ap-r8-cd7841f', 'validator');
const dcatApDir = () => sharedPath('dcat-ap-3.0.0', 'html', 'shacl');

function parseTurtle(path: string): Quad[] {
  return new Parser({ baseIRI: `file://${path}` }).parse(readFileSync(path, 'utf8'));
}

function parseRdfXml(path: string): Promise<Quad[]> {
  return new Promise((resolve, reject) => {
    const quads: Quad[] = [];
    const parser = new RdfXmlParser({ baseIRI: `file://${path}` });
    parser.on('data', (q: Quad) => quads.push(q));
    parser.on('error', reject);
    parser.on('end', () => resolve(quads));
    parser.end(readFileSync(path, 'utf8'));
  });
}

/** The shapes files of a level, from config.properties, with absent files replaced as documented above. */
function shapesFiles(level: HealthDcatLevel): string[] {
  const config = readFileSync(join(healthDir(), 'config.properties'), 'utf8');
  const line = config.split('\n').find((l) => l.startsWith(`validator.shaclFile.${level} =`));
  if (line === undefined)
    throw new Error(`Cannot validate HealthDCAT-AP: config.properties names no shapes for '${level}'`);
  return line
    .slice(line.indexOf('=') + 1)
    .split(',')
    .map((f) => f.trim())
    .map((f) =>
      f === 'deprecated/deprecateduris.ttl'
        ? join(dcatApDir(), 'deprecateduris.ttl')
        : sharedPath('healthdcat-ap-r8-cd7841f', 'validator', f),
    );
}

/** owl:imports of the shapes that config.properties maps to DCAT-AP 3.0.0 shape files. */
const dcatApImports = ['shapes.ttl', 'range.ttl', 'mdr-vocabularies.shape.ttl', 'shapes_recommended.ttl'];

/**
 * The HealthDCAT-AP vocabularies Polder's descriptions draw on. distribution-status.rdf and
 * health-activity.rdf are left out: no description uses them, and the distribution-status scheme itself
 * lacks the dct:title DCAT-AP asks of a concept scheme (a finding about the vocabulary, not the data).
 */
const vocabularyFiles = ['healthcategories.rdf', 'health-theme.rdf', 'standard.rdf'];

/** Terms of vocabularies absent from the shared folder, as those vocabularies state them. */
export function absentVocabularyStandIn(): string {
  const concept = (scheme: string, code: string, label: string) =>
    `<${scheme}/${code}> a skos:Concept ; skos:inScheme <${scheme}> ; skos:prefLabel "${label}"@en .`;
  const schemeTitle = (scheme: string, title: string) =>
    `<${scheme}> a skos:ConceptScheme ; dct:title "${title}"@en .`;
  const lines = [
    '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .',
    '@prefix dct: <http://purl.org/dc/terms/> .',
    schemeTitle(authority.accessRight, 'Access right'),
    concept(authority.accessRight, 'PUBLIC', 'public'),
    concept(authority.accessRight, 'RESTRICTED', 'restricted'),
    concept(authority.accessRight, 'NON_PUBLIC', 'non-public'),
    schemeTitle(authority.dataTheme, 'Data theme'),
    ...euDataThemes.map((c) => concept(authority.dataTheme, c, c)),
    schemeTitle(authority.datasetType, 'Dataset type'),
    concept(authority.datasetType, 'STATISTICAL', 'Statistical data'),
    schemeTitle(authority.country, 'Countries and territories'),
    concept(authority.country, 'NLD', 'Netherlands'),
    schemeTitle(authority.codingSystem, 'Coding Systems'),
    ...[
      'SNOMED-CT',
      'LOINC',
      'RXNORM',
      'ATC',
      'ICD-10',
      'ICD-10-NAT',
      'ICD-9-CM',
      'ICD-O',
      'UCUM',
      'MEDDRA',
      'OHDSI-VOCAB',
    ].map((c) => concept(authority.codingSystem, c, c)),
    schemeTitle(authority.publisherType, 'Publisher types'),
    ...[
      'inpatient-institute',
      'outpatient-institution',
      'healthcare-providers',
      'public-health-institute',
      'public-health-registry',
      'research-academic-org',
      'national-authority',
      'gov-public-sector-org',
      'non-gov-org',
    ].map((c) => concept(authority.publisherType, c, c)),
  ];
  return lines.join('\n');
}

interface LoadedLevel {
  readonly validator: Validator;
  readonly vocabularies: readonly Quad[];
}
const loaded = new Map<HealthDcatLevel, Promise<LoadedLevel>>();

async function load(level: HealthDcatLevel): Promise<LoadedLevel> {
  const shapes = new Store();
  for (const file of shapesFiles(level)) shapes.addQuads(parseTurtle(file));
  for (const file of dcatApImports) shapes.addQuads(parseTurtle(join(dcatApDir(), file)));
  const vocabularies: Quad[] = [];
  for (const file of vocabularyFiles)
    vocabularies.push(...(await parseRdfXml(join(healthDir(), 'catalogue', file))));
  vocabularies.push(...new Parser().parse(absentVocabularyStandIn()));
  const validator = new Validator(shapes, { factory: rdfDataModel, validations, targetResolvers });
  return { validator, vocabularies };
}

const localName = (iri: string) => iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/')) + 1);

/** Validates `quads` against the HealthDCAT-AP shapes of `level`; returns every finding (violations and warnings). */
export async function validateHealthDcat(
  quads: readonly Quad[],
  level: HealthDcatLevel,
): Promise<ShaclFinding[]> {
  let entry = loaded.get(level);
  if (entry === undefined) {
    entry = load(level);
    loaded.set(level, entry);
  }
  const { validator, vocabularies } = await entry;
  const data = new Store();
  data.addQuads([...quads]);
  data.addQuads([...vocabularies]);
  const report = await validator.validate({ dataset: data });
  return report.results.map((r) => ({
    severity: localName(r.severity.value) as ShaclFinding['severity'],
    focusNode: r.focusNode.term.value,
    path: (r.path ?? []).map((step) => step.predicates.map((p) => p.value).join('|')).join('/'),
    message: r.message.map((m) => m.value).join(' ') || localName(r.constraintComponent.value),
    ...(r.value === null || r.value === undefined ? {} : { value: r.value.term.value }),
  }));
}
