import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, readHubConfig, seedDemoAccounts, type Hub } from '@polder/hub';
import { CohortBuilder } from './cohort-builder.tsx';
import {
  describeVariables,
  fieldIdOf,
  newCohortDefinition,
  parseCohortJson,
  variableColumns,
  withDomain,
  type CohortDefinition,
} from './cohort-model.ts';
import { checkValue, fieldModelOf, initialValue, pruneValue, type FieldModel } from './json-schema.ts';
import { problemsOfMessage, type AlgorithmInfo } from './projects-api.ts';
import { isProjectPath, projectPaths, projectRouteOf } from './project-paths.ts';
import { asKaplanMeierResult, countCellText, kaplanMeierPoints } from './result-model.ts';
import { ResultView } from './result-views.tsx';
import { SchemaForm } from './schema-form.tsx';

/*
 * The analysis forms against a real hub (in-memory PGlite): the algorithm catalogue it serves drives the
 * schema form, and its cohort validator's answers land beside the builder's fields.
 */

let hub: Hub;
let cookie: string;
let algorithms: AlgorithmInfo[];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await hub.app.inject({
    method: method as 'GET',
    url: path,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, json: response.body === '' ? undefined : response.json() };
}

beforeAll(async () => {
  hub = await createHub(readHubConfig({}, { logLevel: 'silent' }), {
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  const researcher = (await seedDemoAccounts(hub)).find((account) => account.role === 'researcher');
  if (researcher === undefined) throw new Error('no demo researcher');
  const signIn = await hub.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: researcher.email, password: researcher.password },
  });
  cookie = (signIn.headers['set-cookie'] as string | string[] | undefined)?.toString().split(';')[0] ?? '';
  const answer = await api('GET', '/api/algorithms');
  expect(answer.status).toBe(200);
  algorithms = answer.json as AlgorithmInfo[];
}, 60_000);

afterAll(async () => {
  await hub?.close();
});

const render = (element: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(element);

function algorithm(name: string): AlgorithmInfo {
  const found = algorithms.find((a) => a.name === name);
  if (found === undefined) throw new Error(`the hub serves no ${name}`);
  return found;
}

describe('the schema form, from the algorithm catalogue the hub serves', () => {
  it('renders a labelled field for every parameter of every algorithm', () => {
    expect(algorithms.length).toBeGreaterThanOrEqual(3);
    for (const info of algorithms) {
      const model = fieldModelOf(info.parameters);
      expect(model.kind, info.name).toBe('object');
      const html = render(
        createElement(SchemaForm, {
          model,
          value: initialValue(model),
          onChange: () => undefined,
          variables: [],
        }),
      );
      for (const property of (model as Extract<FieldModel, { kind: 'object' }>).properties) {
        expect(html, `${info.name}.${property.name}`).toContain(property.label);
      }
      // Every control has a label: no input or select without an id a <label for> names.
      const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]* id="([^"]+)"/g)].map((m) => m[1]);
      const labelled = new Set([...html.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
      for (const id of ids)
        expect(labelled.has(id) || html.includes(`aria-label`), `label for ${id}`).toBe(true);
    }
  });

  it('offers the cohort variables (and the event twin of a time to event) where a property names a variable', () => {
    const km = fieldModelOf(algorithm('kaplan-meier').parameters);
    const variables = describeVariables({
      age: { age: 'index' },
      sex: { sex: 'label' },
      survival: { death: {}, value: 'daysToEvent', censorAtDays: 365 },
    });
    const html = render(
      createElement(SchemaForm, { model: km, value: initialValue(km), onChange: () => undefined, variables }),
    );
    const time = /<select[^>]*id="parameters--time"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect(time).toContain('value="survival"');
    expect(time).toContain('value="survival_event"');
    expect(time).toContain('value="age"');
    // The confidence interval is a choice of the schema's constants, not a text field.
    const ci =
      /<select[^>]*id="parameters--confidenceInterval"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect(ci).toContain('value="log-log"');
  });

  it("reads GLM's schema into lists of objects, enums and numbers with their limits, and checks values by them", () => {
    const glm = fieldModelOf(algorithm('glm').parameters);
    if (glm.kind !== 'object') throw new Error('not an object');
    const byName = new Map(glm.properties.map((p) => [p.name, p]));
    expect(byName.get('family')?.field).toEqual({
      kind: 'enum',
      options: ['gaussian', 'binomial', 'poisson'],
    });
    expect(byName.get('covariates')?.field.kind).toBe('list');
    expect(byName.get('maxIterations')?.field).toMatchObject({
      kind: 'number',
      integer: true,
      minimum: 1,
      maximum: 100,
    });
    const start = initialValue(glm) as Record<string, unknown>;
    expect(start).toEqual({ family: 'gaussian', covariates: [] });
    expect(checkValue(glm, start)).toEqual([{ path: '/outcome', message: 'Outcome is required' }]);
    expect(checkValue(glm, { ...start, outcome: 'age', maxIterations: 500 })).toEqual([
      { path: '/maxIterations', message: 'must be at most 100' },
    ]);
    expect(pruneValue(glm, { ...start, outcome: 'age', tolerance: undefined })).toEqual({
      family: 'gaussian',
      outcome: 'age',
      covariates: [],
    });
  });
});

describe('the cohort builder and the hub cohort validator', () => {
  let projectId: string;

  beforeAll(async () => {
    const created = await api('POST', '/api/projects', { title: 'Builder test' });
    expect(created.status).toBe(201);
    projectId = (created.json as { id: string }).id;
  });

  it('builds a definition the hub accepts: concept sets, entry, a negated rule with a window, exit, variables', async () => {
    const definition: CohortDefinition = {
      ...newCohortDefinition(),
      name: 'Sepsis in hospital',
      conceptSets: {
        sepsis: [
          { concept: 132797, descendants: true },
          { concept: 40489908, exclude: true },
        ],
      },
      entry: withDomain({ first: true, indexAt: 'end' }, 'visit', { concept: 9201 }),
      inclusion: [
        { name: 'adult', age: { min: 18 } },
        {
          name: 'no sepsis before',
          condition: { conceptSet: 'sepsis' },
          window: { toDays: -1 },
          negate: true,
        },
      ],
      exit: { fixedDays: 365, from: 'end' },
      variables: {
        age: { age: 'index' },
        lastHeartRate: {
          measurement: { concept: 3027018 },
          value: 'last',
          window: { fromDays: -1, toDays: 0 },
        },
        survival: { death: {}, value: 'daysToEvent', censorAtDays: 365 },
      },
    };
    const saved = await api('POST', `/api/projects/${projectId}/definitions`, {
      kind: 'cohort',
      name: definition.name,
      definition,
    });
    expect(saved.status, JSON.stringify(saved.json)).toBe(201);
    expect(variableColumns(definition.variables)).toEqual([
      'age',
      'lastHeartRate',
      'survival',
      'survival_event',
    ]);
  });

  it("shows the hub's problems beside the fields that their JSON pointers name", async () => {
    const broken: CohortDefinition = {
      ...newCohortDefinition(),
      entry: { condition: { conceptSet: 'missing' } },
      inclusion: [{ name: 'adult', age: { min: -3 } }],
    };
    const saved = await api('POST', `/api/projects/${projectId}/definitions`, {
      kind: 'cohort',
      name: 'Broken',
      definition: broken,
    });
    expect(saved.status).toBe(400);
    const message = (saved.json as { error: { message: string } }).error.message;
    const problems = problemsOfMessage(message);
    expect(problems.length).toBeGreaterThan(0);
    const html = render(createElement(CohortBuilder, { value: broken, onChange: () => undefined, problems }));
    for (const problem of problems) {
      // Each problem is shown in the form (beside its field, or in the section it belongs to).
      expect(html, problem.path).toContain(
        problem.message
          .replace(/&/g, '&amp;')
          .replace(/"/g, '&quot;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/'/g, '&#x27;'),
      );
    }
    expect(
      problems.map((p) => p.path).some((path) => path.startsWith('/entry') || path.startsWith('/inclusion')),
    ).toBe(true);
  });
});

describe('cohort model, paths and results', () => {
  it('keeps the JSON view and the form on one definition (a round trip through the JSON text)', () => {
    const definition = newCohortDefinition();
    const parsed = parseCohortJson(JSON.stringify(definition, null, 2));
    expect(parsed).toEqual({ ok: true, definition });
    expect(parseCohortJson('{"name": 1}')).toMatchObject({ ok: false });
    expect(parseCohortJson('{')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Cannot read the JSON/),
    });
  });

  it('changes the domain of a criterion in place, keeping its other keys', () => {
    expect(withDomain({ name: 'x', condition: { concept: 1 }, negate: true }, 'drug')).toEqual({
      name: 'x',
      drug: { concept: 1 },
      negate: true,
    });
    expect(fieldIdOf('cohort', '/inclusion/0/age/min')).toBe('cohort--inclusion--0--age--min');
  });

  it('reads hub messages into problems, and none from a message without pointers', () => {
    expect(
      problemsOfMessage('Cannot save cohort definition: /entry must be an object; (root) must have name'),
    ).toEqual([
      { path: '/entry', message: 'must be an object' },
      { path: '', message: 'must have name' },
    ]);
    expect(problemsOfMessage('Cannot start run: the project has no permit')).toEqual([]);
  });

  it('routes the project pages', () => {
    expect(projectRouteOf(projectPaths.run('p 1', 'r'))).toEqual({
      page: 'run',
      projectId: 'p 1',
      runId: 'r',
    });
    expect(projectRouteOf('/projects/p/cohorts/new')).toEqual({
      page: 'cohort',
      projectId: 'p',
      definitionId: undefined,
    });
    expect(isProjectPath('/projects/')).toBe(true);
    expect(isProjectPath('/projectsx')).toBe(false);
  });

  it('starts each survival curve at 1 on day 0 and says how a suppressed count is shown', () => {
    const result = asKaplanMeierResult({
      time: 'survival',
      confidenceInterval: 'log',
      curves: [
        {
          label: null,
          persons: 40,
          releasedUntil: 30,
          median: null,
          suppressedAt: 0,
          steps: [
            {
              time: 10,
              atRisk: 40,
              events: 10,
              censored: 0,
              survival: 0.75,
              standardError: 0.07,
              lower: 0.6,
              upper: 0.9,
            },
          ],
        },
      ],
      logRank: null,
      stations: 3,
    });
    expect(result).toBeDefined();
    expect(kaplanMeierPoints(result ?? ({} as never)).map((p) => [p.time, p.survival])).toEqual([
      [0, 1],
      [10, 0.75],
    ]);
    expect(asKaplanMeierResult({ persons: 3 })).toBeUndefined();
    expect(countCellText(0, 1)).toBe('<8 (suppressed)');
    expect(countCellText(25, 2)).toBe('≥ 25 (suppressed at 2 stations)');
    expect(countCellText(1250, 0)).toBe('1,250');
  });

  it('shows a crosstab with its suppressed cells and χ², and summaries without minima or maxima', () => {
    const crosstab = render(
      createElement(ResultView, {
        algorithm: 'crosstab',
        result: {
          rows: { variable: 'sex', levels: ['female', 'male'] },
          columns: { variable: 'readmitted', levels: ['0', '1'] },
          counts: [
            [120, 0],
            [95, 15],
          ],
          suppressedAt: [
            [0, 1],
            [0, 0],
          ],
          rowTotals: [120, 110],
          columnTotals: [215, 15],
          total: 230,
          chiSquare: { statistic: 14.2, df: 1, pValue: 0.00016, minExpected: 7.2 },
          stations: 3,
        },
      }),
    );
    expect(crosstab).toContain('&lt;8 (suppressed)');
    expect(crosstab).toContain('Pearson χ²');
    expect(crosstab).toContain('&lt; 0.001');
    const summary = render(
      createElement(ResultView, {
        algorithm: 'summary',
        result: {
          summaries: [
            {
              variable: 'age',
              n: 450,
              mean: 61.5,
              sd: 12.25,
              quantiles: [{ p: 0.5, value: 62, approximate: true }],
              withheldAt: 0,
            },
            {
              variable: 'lactate',
              n: 0,
              mean: null,
              sd: null,
              quantiles: [{ p: 0.5, value: null, approximate: true }],
              withheldAt: 3,
            },
          ],
          stations: 3,
        },
      }),
    );
    expect(summary).toContain('61.500');
    expect(summary).toContain('P50 (approx.)');
    expect(summary).toContain('3 station(s): fewer than 10 records');
    expect(summary).not.toMatch(/<th scope="col"[^>]*>(Min|Max)/);
  });
});
