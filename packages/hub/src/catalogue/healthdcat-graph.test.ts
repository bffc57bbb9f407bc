import jsonld from 'jsonld';
import { Parser, type Quad } from 'n3';
import { describe, expect, it } from 'vitest';
import { exampleDataset, exampleSettings, exampleStatistics, exampleSteward } from './_example-datasets.ts';
import { validateHealthDcat, type HealthDcatLevel, type ShaclFinding } from './_healthdcat-shacl.ts';
import { catalogueGraph, datasetGraph } from './healthdcat-graph.ts';
import { toJsonLd, toTurtle } from './rdf-serialisation.ts';

const violations = (findings: readonly ShaclFinding[]) => findings.filter((f) => f.severity === 'Violation');
const show = (findings: readonly ShaclFinding[]) =>
  findings
    .map(
      (f) =>
        `${f.severity} ${f.focusNode} ${f.path}: ${f.message}${f.value === undefined ? '' : ` (${f.value})`}`,
    )
    .join('\n');

const levels: readonly [HealthDcatLevel, (typeof exampleSteward)['accessRights']][] = [
  ['public', 'public'],
  ['restricted', 'restricted'],
  ['non-public', 'non-public'],
];

describe('datasetGraph()', () => {
  it.each(levels)(
    'validates against the HealthDCAT-AP %s shapes (Turtle round trip)',
    async (level, accessRights) => {
      const dataset = exampleDataset(1, { steward: { ...exampleSteward, accessRights } });
      const turtle = await toTurtle(datasetGraph(dataset, exampleSettings));
      const findings = await validateHealthDcat(new Parser().parse(turtle), level);
      expect(show(violations(findings))).toBe('');
    },
  );

  it('validates with no tables, no optional steward fields and a contact by web page only', async () => {
    const dataset = exampleDataset(2, {
      statistics: { ...exampleStatistics, domains: [], codingSystems: [], persons: 0, records: 0 },
      steward: {
        ...exampleSteward,
        keywords: ['records'],
        themes: [],
        dataUseConditions: [],
        contactPoint: { url: 'https://amstel.example/contact' },
        publisher: { name: 'Amstel Hospital', contact: { url: 'https://amstel.example' } },
      },
    });
    const findings = await validateHealthDcat(datasetGraph(dataset, exampleSettings), 'non-public');
    expect(show(violations(findings))).toBe('');
  });

  it('is caught by the shapes when a mandatory part is wrong (the test can fail)', async () => {
    const dataset = exampleDataset(3);
    const quads = datasetGraph(dataset, exampleSettings).filter(
      (q) => !q.predicate.value.endsWith('healthCategory'),
    );
    const findings = violations(await validateHealthDcat(quads, 'restricted'));
    expect(findings.length).toBeGreaterThan(0);
    expect(show(findings)).toMatch(/healthCategory|RESTRICTED/);
  });

  it('writes the statistics as HealthDCAT-AP properties with typed literals', async () => {
    const turtle = await toTurtle(datasetGraph(exampleDataset(4), exampleSettings));
    expect(turtle).toContain('healthdcatap:numberOfUniqueIndividuals "10000"^^xsd:nonNegativeInteger');
    expect(turtle).toContain('healthdcatap:minTypicalAge "15"^^xsd:nonNegativeInteger');
    expect(turtle).toContain(
      '<https://hdeu-dcat.data.health.europa.eu/resource/authority/coding-system/SNOMED-CT>',
    );
    expect(turtle).toContain('<http://purl.obolibrary.org/obo/DUO_0000046>');
    expect(turtle).toContain('"2015-01"^^xsd:gYearMonth');
  });
});

describe('catalogueGraph()', () => {
  it('validates a catalogue of several datasets against the non-public shapes', async () => {
    const datasets = [1, 2, 3].map((i) => exampleDataset(i));
    const findings = await validateHealthDcat(catalogueGraph(datasets, exampleSettings), 'non-public');
    expect(show(violations(findings))).toBe('');
  });
});

describe('toJsonLd()', () => {
  it('writes one node per subject with the fixed context, equivalent to the Turtle', () => {
    const quads = datasetGraph(exampleDataset(5), exampleSettings);
    const document = toJsonLd(quads);
    expect(document['@context']['dcat']).toBe('http://www.w3.org/ns/dcat#');
    const dataset = document['@graph'].find((n) => n['@type'] === 'dcat:Dataset');
    expect(dataset?.['@id']).toBe('https://hub.polder.example/datasets/0190a5c0-0000-7000-8000-000000000005');
    expect(dataset?.['dct:title']).toEqual({
      '@value': 'Amstel Hospital — electronic health records 5',
      '@language': 'en',
    });
    expect(dataset?.['healthdcatap:numberOfRecords']).toEqual({
      '@value': '1250000',
      '@type': 'xsd:nonNegativeInteger',
    });
    const triples = document['@graph'].reduce(
      (sum, node) =>
        sum +
        Object.entries(node)
          .filter(([k]) => k !== '@id')
          .reduce((s, [, v]) => s + (Array.isArray(v) ? v.length : 1), 0),
      0,
    );
    expect(triples).toBe(quads.length);
  });

  it('reads back, through a JSON-LD processor, as the same graph, which validates', async () => {
    const quads = datasetGraph(exampleDataset(6), exampleSettings);
    const nquads = (await jsonld.toRDF(toJsonLd(quads) as jsonld.JsonLdDocument, {
      format: 'application/n-quads',
    })) as string;
    const readBack = new Parser({ format: 'N-Quads' }).parse(nquads);
    const key = (q: Quad) =>
      `${q.subject.value} ${q.predicate.value} ${q.object.termType} ${q.object.value} ${q.object.termType === 'Literal' ? q.object.datatype.value : ''}`;
    expect(new Set(readBack.map(key))).toEqual(new Set(quads.map(key)));
    expect(show(violations(await validateHealthDcat(readBack, 'non-public')))).toBe('');
  });
});

describe('validateHealthDcat()', () => {
  it('runs the SPARQL graph guard: a graph without a dataset is refused', async () => {
    const findings = violations(await validateHealthDcat([], 'public'));
    expect(show(findings)).toContain('must contain at least one dcat:Dataset');
  });
});
