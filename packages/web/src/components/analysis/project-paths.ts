/*
 * The project pages' paths, kept apart from the pages so that the app's router can tell them without
 * loading the pages (they load on first use, with Observable Plot).
 */

const enc = encodeURIComponent;

/** The paths of the project pages. */
export const projectPaths = {
  list: '/projects',
  project: (id: string) => `/projects/${enc(id)}`,
  newCohort: (id: string) => `/projects/${enc(id)}/cohorts/new`,
  cohort: (id: string, definitionId: string) => `/projects/${enc(id)}/cohorts/${enc(definitionId)}`,
  newAnalysis: (id: string) => `/projects/${enc(id)}/analyses/new`,
  run: (id: string, runId: string) => `/projects/${enc(id)}/runs/${enc(runId)}`,
} as const;

/** Which project page a path shows, with its ids. */
export type ProjectRoute =
  | { readonly page: 'list' }
  | { readonly page: 'project'; readonly projectId: string }
  | { readonly page: 'cohort'; readonly projectId: string; readonly definitionId: string | undefined }
  | { readonly page: 'analysis'; readonly projectId: string }
  | { readonly page: 'run'; readonly projectId: string; readonly runId: string };

const segment = '([^/]+)';
const patterns: readonly [RegExp, (ids: readonly string[]) => ProjectRoute][] = [
  [/^\/projects$/, () => ({ page: 'list' })],
  [new RegExp(`^/projects/${segment}$`), ([id = '']) => ({ page: 'project', projectId: id })],
  [
    new RegExp(`^/projects/${segment}/cohorts/new$`),
    ([id = '']) => ({ page: 'cohort', projectId: id, definitionId: undefined }),
  ],
  [
    new RegExp(`^/projects/${segment}/cohorts/${segment}$`),
    ([id = '', definitionId = '']) => ({ page: 'cohort', projectId: id, definitionId }),
  ],
  [new RegExp(`^/projects/${segment}/analyses/new$`), ([id = '']) => ({ page: 'analysis', projectId: id })],
  [
    new RegExp(`^/projects/${segment}/runs/${segment}$`),
    ([id = '', runId = '']) => ({ page: 'run', projectId: id, runId }),
  ],
];

/** The project page `path` shows, or undefined when it is not one. */
export function projectRouteOf(path: string): ProjectRoute | undefined {
  const clean = path.length > 1 ? path.replace(/\/$/, '') : path;
  for (const [pattern, route] of patterns) {
    const match = pattern.exec(clean);
    if (match === null) continue;
    try {
      return route(match.slice(1).map((part) => decodeURIComponent(part)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether `path` is one of the project pages. */
export function isProjectPath(path: string): boolean {
  return projectRouteOf(path) !== undefined;
}
