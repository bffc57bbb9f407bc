/*
 * The access pages' paths, kept apart from the pages so that the app's router can tell them without
 * loading the pages (they load on first use).
 */

/** The path of an application's page. */
export const applicationPath = (id: string) => `/applications/${encodeURIComponent(id)}`;

const applicationPattern = /^\/applications\/([^/]+)\/?$/;
const fixedPaths = new Set(['/applications', '/access/queue', '/register', '/notifications']);

/** Whether `path` is one of the access pages. */
export function isAccessPath(path: string): boolean {
  return fixedPaths.has(path.replace(/\/$/, '')) || applicationPattern.test(path);
}

/** The application id in an application page's path, if it is one. */
export function applicationIdOf(path: string): string | undefined {
  const id = applicationPattern.exec(path)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}
