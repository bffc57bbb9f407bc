import { ApiError, callHub } from '../../api-client.ts';
import type { paths } from '../../api-types.generated.ts';

/*
 * The projects API (projects, members, cohort and variable definitions, runs, the algorithm catalogue),
 * typed from the hub's OpenAPI document as `api-client.ts` types the catalogue.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON body of a `status` answer of `path`'s `method`. */
type Answer<P extends keyof paths, M extends Method, S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** The JSON request body of `path`'s `method`. */
type Body<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** A project as its members see it. */
export type Project = Answer<'/api/projects/{id}', 'get'>;
/** A member of a project. */
export type Member = Answer<'/api/projects/{id}/members', 'get'>[number];
/** A saved cohort definition or set of variable definitions (its latest version in lists). */
export type Definition = Answer<'/api/projects/{id}/definitions', 'get'>[number];
/** A definition with the list of its versions. */
export type DefinitionWithVersions = Answer<'/api/projects/{id}/definitions/{definitionId}', 'get'>;
/** A run in the project's history. */
export type RunSummary = Answer<'/api/projects/{id}/runs', 'get'>[number];
/** A run with its progress per station, its result or its error. */
export type Run = Answer<'/api/projects/{id}/runs/{runId}', 'get'>;
/** One station's progress in a run. */
export type StationProgress = Run['stations'][number];
/** Why a run failed: which station, at which step, and what to do. */
export type RunError = NonNullable<Run['error']>;
/** What a station's disclosure control did to its output. */
export type DisclosureReport = NonNullable<StationProgress['disclosure']>;
/** An algorithm of the catalogue, with its parameters' JSON Schema. */
export type AlgorithmInfo = Answer<'/api/algorithms', 'get'>[number];
/** What starting a run needs. */
export type RunRequest = Body<'/api/projects/{id}/runs', 'post'>;
/** The hub's answer to a run request (202). */
export type RunAccepted = Answer<'/api/projects/{id}/runs', 'post', 202>;
/** The fields of a new project. */
export type NewProject = Body<'/api/projects', 'post'>;
/** A permit, as its named users see it. */
export type Permit = Answer<'/api/permits/{id}', 'get'>;
/** An application in the signed-in user's list. */
type ApplicationItem = Answer<'/api/applications', 'get'>['items'][number];
/** An application with its permit, once approved. */
type ApplicationWithPermit = Answer<'/api/applications/{id}', 'get'>;

/** A permit the user may work under, found through their approved applications. */
export interface PermitChoice {
  readonly permitId: string;
  readonly title: string;
  readonly status: string;
  readonly validUntil: string;
}

/**
 * A failed call, with the problems the hub listed in its message when it named JSON pointers
 * ("Cannot save cohort definition: /entry must …; /variables/x …"), so forms can show them by their fields.
 */
export class ProjectsApiError extends ApiError {
  constructor(
    code: string,
    status: number,
    message: string,
    readonly problems: readonly { readonly path: string; readonly message: string }[],
  ) {
    super(code, status, message);
  }
}

/**
 * The problems of a hub message of the form "Cannot X: /a/b must …; /c …; (root) …": each JSON pointer with
 * its message. A message without pointers has none.
 */
export function problemsOfMessage(message: string): { path: string; message: string }[] {
  const colon = message.indexOf(': ');
  if (colon < 0) return [];
  const rest = message.slice(colon + 2).replace(/ \(and \d+ more\)$/, '');
  const problems: { path: string; message: string }[] = [];
  for (const part of rest.split('; ')) {
    const match = /^(\/\S*|\(root\)) (.+)$/s.exec(part.trim());
    if (match === null) return [];
    problems.push({ path: match[1] === '(root)' ? '' : (match[1] ?? ''), message: match[2] ?? '' });
  }
  return problems;
}

/** {@link callHub}, with the problems a refusal names read out of the hub's message. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await callHub<T>(method, path, body);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code === 'network') throw error;
    throw new ProjectsApiError(error.code, error.status, error.message, problemsOfMessage(error.message));
  }
}

const enc = encodeURIComponent;
const projectPath = (id: string) => `/api/projects/${enc(id)}`;

/** The path of a run in the API (its JSON; add `/events` for its progress stream). */
export const runApiPath = (projectId: string, runId: string) =>
  `${projectPath(projectId)}/runs/${enc(runId)}`;

/** Where a completed run's result can be downloaded. */
export function runDownloads(
  projectId: string,
  runId: string,
): { readonly csv: string; readonly json: string } {
  return {
    csv: `${runApiPath(projectId, runId)}/result.csv`,
    json: `${runApiPath(projectId, runId)}/result.json`,
  };
}

/** The projects API. Every call goes through `fetch` with the session cookie. */
export const projectsApi = {
  algorithms: () => call<AlgorithmInfo[]>('GET', '/api/algorithms'),
  projects: () => call<Project[]>('GET', '/api/projects'),
  project: (id: string) => call<Project>('GET', projectPath(id)),
  createProject: (body: NewProject) => call<Project>('POST', '/api/projects', body),
  updateProject: (id: string, body: Body<'/api/projects/{id}', 'patch'>) =>
    call<Project>('PATCH', projectPath(id), body),
  members: (id: string) => call<Member[]>('GET', `${projectPath(id)}/members`),
  addMember: (id: string, email: string) => call<Member>('POST', `${projectPath(id)}/members`, { email }),
  removeMember: (id: string, userId: string) =>
    call<void>('DELETE', `${projectPath(id)}/members/${enc(userId)}`),
  definitions: (id: string) => call<Definition[]>('GET', `${projectPath(id)}/definitions`),
  definition: (id: string, definitionId: string) =>
    call<DefinitionWithVersions>('GET', `${projectPath(id)}/definitions/${enc(definitionId)}`),
  createDefinition: (id: string, body: Body<'/api/projects/{id}/definitions', 'post'>) =>
    call<Definition>('POST', `${projectPath(id)}/definitions`, body),
  saveDefinition: (
    id: string,
    definitionId: string,
    body: Body<'/api/projects/{id}/definitions/{definitionId}', 'put'>,
  ) => call<Definition>('PUT', `${projectPath(id)}/definitions/${enc(definitionId)}`, body),
  runs: (id: string) => call<RunSummary[]>('GET', `${projectPath(id)}/runs`),
  run: (id: string, runId: string) => call<Run>('GET', runApiPath(id, runId)),
  startRun: (id: string, body: RunRequest) => call<RunAccepted>('POST', `${projectPath(id)}/runs`, body),
  rerun: (id: string, runId: string) => call<RunAccepted>('POST', `${runApiPath(id, runId)}/rerun`),
  permit: (id: string) => call<Permit>('GET', `/api/permits/${enc(id)}`),
  /** The active permits of the user's approved applications (the hub has no list of permits as such). */
  async permitChoices(): Promise<PermitChoice[]> {
    const list = await call<{ items: ApplicationItem[] }>(
      'GET',
      '/api/applications?state=approved&pageSize=100',
    );
    const details = await Promise.all(
      list.items.map((item) =>
        call<ApplicationWithPermit>('GET', `/api/applications/${enc(item.id)}`).catch(() => undefined),
      ),
    );
    return details.flatMap((application) =>
      application?.permit === null ||
      application?.permit === undefined ||
      application.permit.status !== 'active'
        ? []
        : [
            {
              permitId: application.permit.id,
              title: application.title,
              status: application.permit.status,
              validUntil: application.permit.validUntil,
            },
          ],
    );
  },
};
