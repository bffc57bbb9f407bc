import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  accessRightsLevels,
  euDataThemes,
  healthCategories,
  StewardDescriptionSchema,
  type HealthCategory,
} from '@polder/protocol';
import { Type } from 'typebox';
import {
  hasRole,
  isStewardOf,
  requirePrincipal,
  requireRole,
  requireSignedIn,
} from '../accounts/principal.ts';
import { auditRequest } from '../audit/audit-request.ts';
import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import { BoundedString, ErrorResponse, IdParams, StrictObject, Uuid } from '../schema.ts';
import { negotiateMediaType } from './_negotiate.ts';
import {
  ageGroups,
  findDataset,
  listPublishedDatasets,
  populationBands,
  setStewardDescription,
  toCatalogueDataset,
  type CatalogueDb,
  type CatalogueRecord,
} from './catalogue-store.ts';
import { CatalogueIndex } from './catalogue-index.ts';
import {
  catalogueFacets,
  catalogueSorts,
  type CatalogueFacet,
  type CatalogueQuery,
  type DatasetSummary,
} from './catalogue-search.ts';
import { addToBasket, listBasket, removeFromBasket } from './basket.ts';
import {
  catalogueGraph,
  catalogueIri,
  datasetGraph,
  datasetIri,
  type CatalogueSettings,
} from './healthdcat-graph.ts';
import { toJsonLd, toTurtle } from './rdf-serialisation.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** The catalogue's own description, from the hub's configuration. */
export function catalogueSettings(hub: HubContext): CatalogueSettings {
  return {
    baseUrl: hub.config.publicBaseUrl,
    title: 'Polder dataset catalogue',
    description:
      'Health datasets held at the Polder stations of hospitals, described in HealthDCAT-AP, for secondary use under the European Health Data Space regulation.',
    publisherName: 'Polder hub',
  };
}

const dbOf = (hub: HubContext): CatalogueDb => hub.db;

/** A facet filter: one value, several comma-separated, or the parameter repeated. */
const FacetParam = Type.Union([BoundedString(500), Type.Array(BoundedString(200), { maxItems: 20 })]);

const SearchQuery = StrictObject({
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'Full text, web-search syntax: words, "a phrase", -not, or' }),
  ),
  healthCategory: Type.Optional(FacetParam),
  theme: Type.Optional(FacetParam),
  codingSystem: Type.Optional(FacetParam),
  publisher: Type.Optional(FacetParam),
  accessRights: Type.Optional(FacetParam),
  ageGroup: Type.Optional(FacetParam),
  populationSize: Type.Optional(FacetParam),
  sort: Type.Optional(Type.Enum(catalogueSorts)),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

/** Allowed values of the facets with a closed vocabulary (publisher and coding system are open). */
const facetVocabulary: Partial<Record<CatalogueFacet, readonly string[]>> = {
  healthCategory: Object.keys(healthCategories) as HealthCategory[],
  theme: euDataThemes,
  accessRights: accessRightsLevels,
  ageGroup: Object.keys(ageGroups),
  populationSize: populationBands,
};

function facetValues(
  facet: CatalogueFacet,
  raw: string | readonly string[] | undefined,
): string[] | undefined {
  if (raw === undefined) return undefined;
  const values = [raw]
    .flat()
    .flatMap((v) => (facet === 'publisher' ? [v] : v.split(',')))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const allowed = facetVocabulary[facet];
  const unknown = allowed === undefined ? undefined : values.find((v) => !allowed.includes(v));
  if (unknown !== undefined) {
    throw new HubError(
      'invalid_input',
      `Cannot search: '${unknown.slice(0, 60)}' is not a ${facet}; use one of ${allowed?.join(', ')}`,
    );
  }
  return values;
}

const FacetCounts = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));
const SearchResponse = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  results: Type.Array(
    Type.Object({
      id: Uuid,
      iri: Type.String(),
      title: Type.String(),
      description: Type.String(),
      publisher: Type.String(),
      stationName: Type.String(),
      accessRights: Type.Union([Type.String(), Type.Null()]),
      healthCategories: Type.Array(Type.String()),
      themes: Type.Array(Type.String()),
      codingSystems: Type.Array(Type.String()),
      persons: Type.Union([Type.Integer(), Type.Null()]),
      records: Type.Union([Type.Integer(), Type.Null()]),
      typicalAge: Type.Union([Type.Object({ min: Type.Integer(), max: Type.Integer() }), Type.Null()]),
      qualityScore: Type.Union([Type.Number(), Type.Null()]),
      modified: Type.String(),
    }),
  ),
  facets: Type.Object(
    Object.fromEntries(catalogueFacets.map((f) => [f, FacetCounts])) as Record<
      CatalogueFacet,
      typeof FacetCounts
    >,
  ),
});

/** The JSON view of a dataset (both parts of its description, as stored). */
function datasetJson(record: CatalogueRecord, settings: CatalogueSettings) {
  return {
    id: record.id,
    iri: datasetIri(settings, record.id),
    stationId: record.stationId,
    stationName: record.stationName,
    published: record.published,
    issued: record.issued?.toISOString() ?? null,
    modified: record.modified.toISOString(),
    statistics: record.statistics,
    steward: record.steward,
  };
}

/**
 * Whether the requester may see a dataset: everyone when it is published; before that only its station's
 * stewards and admins.
 */
function mayView(request: FastifyRequest, record: CatalogueRecord): boolean {
  return (
    record.published ||
    isStewardOf(request.principal, record.stationId) ||
    hasRole(request.principal, 'admin')
  );
}

async function sendDataset(hub: HubContext, id: string, request: FastifyRequest, reply: FastifyReply) {
  const record = await findDataset(dbOf(hub), id);
  if (record === undefined || !mayView(request, record)) {
    throw new HubError('not_found', `Cannot find dataset ${id}`);
  }
  const settings = catalogueSettings(hub);
  const type = negotiateMediaType(request.headers.accept);
  reply.header('vary', 'Accept');
  const dataset = toCatalogueDataset(record);
  if (type === 'application/json' || dataset === undefined) {
    return reply.type('application/json; charset=utf-8').send(datasetJson(record, settings));
  }
  const quads = datasetGraph(dataset, settings);
  if (type === 'text/turtle') return reply.type('text/turtle; charset=utf-8').send(await toTurtle(quads));
  return reply.type('application/ld+json; charset=utf-8').send(toJsonLd(quads));
}

async function sendCatalogue(hub: HubContext, request: FastifyRequest, reply: FastifyReply) {
  const settings = catalogueSettings(hub);
  const datasets = await listPublishedDatasets(dbOf(hub));
  const type = negotiateMediaType(request.headers.accept);
  reply.header('vary', 'Accept');
  if (type === 'application/json') {
    return reply.type('application/json; charset=utf-8').send({
      iri: catalogueIri(settings),
      title: settings.title,
      description: settings.description,
      datasets: datasets.map((d) => ({
        id: d.id,
        iri: datasetIri(settings, d.id),
        title: d.steward.title,
        publisher: d.steward.publisher.name,
        modified: d.modified.toISOString(),
      })),
    });
  }
  const quads = catalogueGraph(datasets, settings);
  if (type === 'text/turtle') return reply.type('text/turtle; charset=utf-8').send(await toTurtle(quads));
  return reply.type('application/ld+json; charset=utf-8').send(toJsonLd(quads));
}

const negotiated = {
  description:
    'Content negotiation by Accept: application/json (default), application/ld+json or text/turtle (HealthDCAT-AP).',
};

/**
 * The catalogue under /api: the HealthDCAT-AP catalogue and datasets (content-negotiated), search with
 * facets, the steward's descriptive part, and the user's basket.
 */
export const catalogueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;
  // Search is served from memory; a change made here shows at once, one made elsewhere within a second.
  const index = new CatalogueIndex(hub.db);
  // A result's JSON, kept per summary object (the index makes one per dataset and snapshot), because the
  // same datasets head many different searches.
  const resultJson = new WeakMap<DatasetSummary, string>();

  app.get(
    '/catalogue',
    { schema: { tags: ['catalogue'], summary: 'The catalogue (dcat:Catalog)', ...negotiated } },
    (request, reply) => sendCatalogue(hub, request, reply),
  );

  app.get(
    '/catalogue/search',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Search the catalogue: full text, facets, sort, paging',
        description:
          'Facet parameters take one value, several separated by commas, or the parameter repeated; values within a facet are OR-ed, facets AND-ed. Facet counts are over the matches.',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filters: Partial<Record<CatalogueFacet, string[]>> = {};
      for (const facet of catalogueFacets) {
        const values = facetValues(facet, q[facet]);
        if (values !== undefined && values.length > 0) filters[facet] = values;
      }
      const query: CatalogueQuery = {
        ...(q.q === undefined ? {} : { text: q.q }),
        filters,
        ...(q.sort === undefined ? {} : { sort: q.sort }),
        ...(q.page === undefined ? {} : { page: q.page }),
        ...(q.pageSize === undefined ? {} : { pageSize: q.pageSize }),
      };
      const settings = catalogueSettings(hub);
      const body = await index.render(query, (result) => {
        const results = result.results.map((summary) => {
          let json = resultJson.get(summary);
          if (json === undefined) {
            json = JSON.stringify({ ...summary, iri: datasetIri(settings, summary.id) });
            resultJson.set(summary, json);
          }
          return json;
        });
        const { total, page, pageSize, facets } = result;
        return `{"total":${total},"page":${page},"pageSize":${pageSize},"results":[${results.join(',')}],"facets":${JSON.stringify(facets)}}`;
      });
      // Rendered once per snapshot and search; sent as is (the schema above documents its shape).
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.get(
    '/datasets/:id',
    { schema: { tags: ['catalogue'], summary: 'A dataset (dcat:Dataset)', params: IdParams, ...negotiated } },
    (request, reply) => sendDataset(hub, request.params.id, request, reply),
  );

  app.put(
    '/datasets/:id/description',
    {
      preHandler: requireRole('data_steward'),
      schema: {
        tags: ['catalogue'],
        summary:
          "Write the steward's descriptive part of a dataset (title, description, themes, DUO codes, …)",
        description: 'Only a data steward of the station that holds the dataset may write it.',
        params: IdParams,
        body: StewardDescriptionSchema,
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const record = await findDataset(dbOf(hub), request.params.id);
      if (record === undefined || !isStewardOf(principal, record.stationId)) {
        throw new HubError(
          'not_found',
          `Cannot find dataset ${request.params.id} among the datasets you steward`,
        );
      }
      const updated = await setStewardDescription(dbOf(hub), record.id, request.body, hub.now());
      if (updated === undefined) throw new HubError('not_found', `Cannot find dataset ${request.params.id}`);
      index.invalidate();
      await auditRequest(request, {
        event: 'dataset.describe',
        action: 'update',
        outcome: 'success',
        objectType: 'dataset',
        objectId: record.id,
      });
      return reply.type('application/json; charset=utf-8').send(datasetJson(updated, catalogueSettings(hub)));
    },
  );

  const BasketView = Type.Object({
    items: Type.Array(
      Type.Object({
        datasetId: Uuid,
        title: Type.String(),
        publisher: Type.String(),
        addedAt: Type.String(),
      }),
    ),
  });

  app.get(
    '/basket',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['basket'],
        summary: 'Your basket of datasets',
        response: { 200: BasketView, ...errors },
      },
    },
    async (request) => ({ items: await listBasket(dbOf(hub), requirePrincipal(request).userId) }),
  );

  app.post(
    '/basket',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['basket'],
        summary: 'Put a dataset in your basket',
        body: StrictObject({ datasetId: Uuid }),
        response: { 200: BasketView, ...errors },
      },
    },
    async (request) => {
      const userId = requirePrincipal(request).userId;
      const added = await addToBasket(dbOf(hub), userId, request.body.datasetId, hub.now());
      if (!added)
        throw new HubError(
          'not_found',
          `Cannot put dataset ${request.body.datasetId} in the basket: no such published dataset`,
        );
      return { items: await listBasket(dbOf(hub), userId) };
    },
  );

  app.delete(
    '/basket/:datasetId',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['basket'],
        summary: 'Take a dataset out of your basket',
        params: StrictObject({ datasetId: Uuid }),
        response: { 200: BasketView, ...errors },
      },
    },
    async (request) => {
      const userId = requirePrincipal(request).userId;
      await removeFromBasket(dbOf(hub), userId, request.params.datasetId);
      return { items: await listBasket(dbOf(hub), userId) };
    },
  );
};

/**
 * The stable IRIs outside /api: `/catalogue` and `/datasets/:id`, content-negotiated like their /api twins
 * (a dataset's IRI is what harvesters and links use).
 */
export const catalogueIriRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;
  app.get(
    '/catalogue',
    { schema: { tags: ['catalogue'], summary: 'The catalogue at its IRI', ...negotiated } },
    (request, reply) => sendCatalogue(hub, request, reply),
  );
  app.get(
    '/datasets/:id',
    { schema: { tags: ['catalogue'], summary: 'A dataset at its IRI', params: IdParams, ...negotiated } },
    (request, reply) => sendDataset(hub, request.params.id, request, reply),
  );
};
