import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { uuid7 } from '../db/uuid7.ts';
import { exampleStatistics, exampleSteward } from './_example-datasets.ts';
import { validateHealthDcat } from './_healthdcat-shacl.ts';
import { upsertDatasetDescription } from './catalogue-store.ts';

let hub: TestHub;
const stationA = uuid7();
const stationB = uuid7();
let published: string;
let unpublished: string;
let steward: string;
let researcher: string;

beforeAll(async () => {
  hub = await createTestHub();
  published = (
    await upsertDatasetDescription(
      hub.db,
      stationA,
      { statistics: exampleStatistics, steward: exampleSteward },
      { stationName: 'A' },
    )
  ).datasetId;
  unpublished = (
    await upsertDatasetDescription(hub.db, stationB, { statistics: exampleStatistics }, { stationName: 'B' })
  ).datasetId;
  const stewardId = await hub.createUser({ roles: ['data_steward'] });
  await hub.db.insertInto('station_stewards').values({ user_id: stewardId, station_id: stationB }).execute();
  steward = await hub.sessionCookie(stewardId);
  researcher = await hub.sessionCookie(await hub.createUser({ roles: ['researcher'] }));
});
afterAll(() => hub.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  hub.app.inject({ method: 'GET', url, headers });

describe('catalogue routes', () => {
  it('serves a published dataset at its IRI as JSON, Turtle and JSON-LD; the RDF validates', async () => {
    const json = await get(`/datasets/${published}`);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      id: published,
      published: true,
      steward: { title: exampleSteward.title },
    });
    const turtle = await get(`/api/datasets/${published}`, { accept: 'text/turtle' });
    expect(turtle.headers['content-type']).toMatch(/^text\/turtle/);
    expect(turtle.headers['vary']).toBe('Accept');
    const quads = new Parser().parse(turtle.body);
    const violations = (await validateHealthDcat(quads, 'non-public')).filter(
      (f) => f.severity === 'Violation',
    );
    expect(violations).toEqual([]);
    const jsonLd = await get(`/datasets/${published}`, { accept: 'application/ld+json' });
    expect(jsonLd.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(jsonLd.json()['@graph'][0]['@id']).toBe(`${hub.config.publicBaseUrl}/datasets/${published}`);
  });

  it('serves the catalogue (dcat:Catalog) with its published datasets only', async () => {
    const json = (await get('/catalogue')).json();
    expect(json.datasets.map((d: { id: string }) => d.id)).toEqual([published]);
    const turtle = await get('/api/catalogue', { accept: 'text/turtle' });
    expect(turtle.body).toContain('dcat:Catalog');
    const violations = (await validateHealthDcat(new Parser().parse(turtle.body), 'non-public')).filter(
      (f) => f.severity === 'Violation',
    );
    expect(violations).toEqual([]);
  });

  it('hides an unpublished dataset from all but its stewards', async () => {
    expect((await get(`/datasets/${unpublished}`)).statusCode).toBe(404);
    expect((await get(`/datasets/${unpublished}`, { cookie: researcher })).statusCode).toBe(404);
    expect((await get(`/datasets/${unpublished}`, { cookie: steward })).json()).toMatchObject({
      published: false,
    });
    expect((await get(`/datasets/${uuid7()}`)).statusCode).toBe(404);
    expect((await get('/datasets/not-a-uuid')).statusCode).toBe(400);
  });

  it("lets a station's steward write the descriptive part, and no one else", async () => {
    const put = (id: string, cookie: string | undefined, payload: unknown) =>
      hub.app.inject({
        method: 'PUT',
        url: `/api/datasets/${id}/description`,
        payload: payload as object,
        headers: cookie === undefined ? {} : { cookie },
      });
    expect((await put(unpublished, undefined, exampleSteward)).statusCode).toBe(401);
    expect((await put(unpublished, researcher, exampleSteward)).statusCode).toBe(403);
    expect((await put(published, steward, exampleSteward)).statusCode).toBe(404);
    const bad = await put(unpublished, steward, { ...exampleSteward, accessRights: 'open' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('accessRights');
    const ok = await put(unpublished, steward, { ...exampleSteward, title: 'Hospital B data' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ published: true, steward: { title: 'Hospital B data' } });
    expect((await get(`/datasets/${unpublished}`)).statusCode).toBe(200);
  });

  it('searches with text, facets and paging, and refuses unknown facet values', async () => {
    const response = await get(
      '/api/catalogue/search?q=diabetes&accessRights=non-public&sort=title&page=1&pageSize=5',
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.total).toBeGreaterThanOrEqual(1);
    expect(body.results[0]).toMatchObject({
      iri: expect.stringContaining('/datasets/'),
      accessRights: 'non-public',
    });
    expect(body.facets.healthCategory).toContainEqual({ value: 'EHRS', count: body.total });
    expect((await get('/api/catalogue/search?healthCategory=EHRS,HRAD&healthCategory=MRMR')).statusCode).toBe(
      200,
    );
    const refused = await get('/api/catalogue/search?theme=HEALTH');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain("'HEALTH' is not a theme");
    expect((await get('/api/catalogue/search?pageSize=1000')).statusCode).toBe(400);
    expect((await get('/api/catalogue/search?colour=red')).statusCode).toBe(400);
  });

  it('keeps a basket per user', async () => {
    const basket = (
      method: 'GET' | 'POST' | 'DELETE',
      cookie: string | undefined,
      url = '/api/basket',
      payload?: object,
    ) =>
      hub.app.inject({
        method,
        url,
        ...(payload === undefined ? {} : { payload }),
        headers: cookie === undefined ? {} : { cookie },
      });
    expect((await basket('GET', undefined)).statusCode).toBe(401);
    expect(
      (await basket('POST', researcher, '/api/basket', { datasetId: published })).json().items,
    ).toHaveLength(1);
    expect(
      (await basket('POST', researcher, '/api/basket', { datasetId: published })).json().items,
    ).toHaveLength(1);
    expect((await basket('GET', steward)).json().items).toEqual([]);
    expect((await basket('POST', researcher, '/api/basket', { datasetId: uuid7() })).statusCode).toBe(404);
    expect((await basket('DELETE', researcher, `/api/basket/${published}`)).json().items).toEqual([]);
  });
});
