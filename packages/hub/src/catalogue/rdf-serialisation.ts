import { Writer, type Quad, type Term } from 'n3';
import { prefixes } from './_namespaces.ts';

/** The JSON-LD context of every document the catalogue serves: the prefixes of HealthDCAT-AP. */
export const jsonLdContext: Readonly<Record<string, string>> = Object.freeze({ ...prefixes });

/** A JSON-LD document: the fixed context and a flat graph of node objects. */
export interface JsonLdDocument {
  readonly '@context': Readonly<Record<string, string>>;
  readonly '@graph': readonly Record<string, unknown>[];
}

/** Serialises quads as Turtle with the HealthDCAT-AP prefixes, one block per subject (in order of first appearance). */
export function toTurtle(quads: readonly Quad[]): Promise<string> {
  const writer = new Writer({ prefixes: { ...prefixes } });
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const key = `${q.subject.termType}:${q.subject.value}`;
    const group = bySubject.get(key);
    if (group === undefined) bySubject.set(key, [q]);
    else group.push(q);
  }
  writer.addQuads([...bySubject.values()].flat());
  return new Promise((resolve, reject) => {
    writer.end((error: Error | null, result: string) => (error ? reject(error) : resolve(result)));
  });
}

const rdfType = `${prefixes.rdf}type`;
const xsdString = `${prefixes.xsd}string`;
const rdfLangString = `${prefixes.rdf}langString`;
const byLength = Object.entries(prefixes).sort(([, a], [, b]) => b.length - a.length);

/** `http://www.w3.org/ns/dcat#Dataset` → `dcat:Dataset` (the IRI itself when no prefix fits). */
function compact(iri: string): string {
  for (const [prefix, namespace] of byLength) {
    if (iri.startsWith(namespace) && iri.length > namespace.length) {
      const local = iri.slice(namespace.length);
      // A compact IRI must not look like a different IRI or contain characters JSON-LD would misread.
      if (/^[A-Za-z_][\w.-]*$/.test(local)) return `${prefix}:${local}`;
    }
  }
  return iri;
}

function nodeId(term: Term): string {
  return term.termType === 'BlankNode' ? `_:${term.value}` : compact(term.value);
}

function jsonLdValue(term: Term): unknown {
  if (term.termType === 'Literal') {
    if (term.language !== '') return { '@value': term.value, '@language': term.language };
    const datatype = term.datatype.value;
    if (datatype === xsdString || datatype === rdfLangString) return term.value;
    return { '@value': term.value, '@type': compact(datatype) };
  }
  return { '@id': nodeId(term) };
}

/**
 * Writes quads as a JSON-LD document with the fixed {@linkcode jsonLdContext}: one node object per
 * subject (in order of first appearance), `@type` for rdf:type, compact IRIs for properties and
 * references, `@language`/`@type` value objects for literals. Equivalent to the Turtle of the same quads.
 */
export function toJsonLd(quads: readonly Quad[]): JsonLdDocument {
  const nodes = new Map<string, Record<string, unknown>>();
  for (const q of quads) {
    const id = nodeId(q.subject);
    let node = nodes.get(id);
    if (node === undefined) {
      node = { '@id': id };
      nodes.set(id, node);
    }
    const key = q.predicate.value === rdfType ? '@type' : compact(q.predicate.value);
    const value = q.predicate.value === rdfType ? compact(q.object.value) : jsonLdValue(q.object);
    const existing = node[key];
    if (existing === undefined) node[key] = [value];
    else (existing as unknown[]).push(value);
  }
  const graph = [...nodes.values()].map((node) =>
    Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        Array.isArray(value) && value.length === 1 ? value[0] : value,
      ]),
    ),
  );
  return { '@context': jsonLdContext, '@graph': graph };
}
