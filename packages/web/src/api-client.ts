import type { paths } from './api-types.generated.ts';
import type { DatasetView } from './dataset-view.ts';

/** The JSON body of a 200 answer of `path`'s `method`, as the hub's OpenAPI document describes it. */
type Answer<P extends keyof paths, M extends 'get' | 'post' | 'delete'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** A page of search results with facet counts (GET /api/catalogue/search). */
export type SearchAnswer = Answer<'/api/catalogue/search', 'get'>;
/** One dataset in a result list. */
export type DatasetSummary = SearchAnswer['results'][number];
/** A facet's values and counts. */
export type FacetCounts = SearchAnswer['facets'];
/** The catalogue's facets, in the order the hub names them. */
export type FacetName = keyof FacetCounts;
/** The search parameters the hub accepts. */
export type SearchParameters = NonNullable<paths['/api/catalogue/search']['get']['parameters']['query']>;
/** The answer to a sign-in with email and password. */
export type SignInAnswer = Answer<'/api/session', 'post'>;
/** The signed-in user. */
export type User = Answer<'/api/me', 'get'>;
/** The user's basket. */
export type Basket = Answer<'/api/basket', 'get'>;

/** Why a call to the hub failed: the hub's error code (or 'network'), its HTTP status and its message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Whether `error` is the hub saying that the caller is not signed in. */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/**
 * Calls the hub's API with the session cookie and answers the JSON body; a failure is an {@link ApiError}
 * with the hub's code and message (or `network` when the hub cannot be reached). Every API module uses it.
 */
export async function callHub<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new ApiError('network', 0, 'Cannot reach the hub: check your connection and try again', { cause });
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiError(
      typeof error?.code === 'string' ? error.code : 'http',
      response.status,
      typeof error?.message === 'string' ? error.message : `The hub answered ${response.status}`,
    );
  }
  return payload as T;
}

/** Builds the query string of a search: facet values as repeated parameters (publisher names may hold commas). */
export function searchQueryString(parameters: SearchParameters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (value === undefined || value === '') continue;
    for (const item of [value].flat()) query.append(key, String(item));
  }
  return query.toString();
}

/** The hub's API, typed from its OpenAPI document. Every call goes through `fetch` with the session cookie. */
export const api = {
  signIn: (email: string, password: string) =>
    callHub<SignInAnswer>('POST', '/api/session', { email, password }),
  submitTotp: (code: string) =>
    callHub<Answer<'/api/session/totp', 'post'>>('POST', '/api/session/totp', { code }),
  startTotpEnrolment: () => callHub<Answer<'/api/me/totp', 'post'>>('POST', '/api/me/totp'),
  confirmTotpEnrolment: (code: string) =>
    callHub<Answer<'/api/me/totp/confirm', 'post'>>('POST', '/api/me/totp/confirm', { code }),
  signOut: () => callHub<void>('DELETE', '/api/session'),
  me: () => callHub<User>('GET', '/api/me'),
  search: (parameters: SearchParameters) =>
    callHub<SearchAnswer>('GET', `/api/catalogue/search?${searchQueryString(parameters)}`),
  dataset: (id: string) => callHub<DatasetView>('GET', `/api/datasets/${encodeURIComponent(id)}`),
  basket: () => callHub<Basket>('GET', '/api/basket'),
  addToBasket: (datasetId: string) => callHub<Basket>('POST', '/api/basket', { datasetId }),
  removeFromBasket: (datasetId: string) =>
    callHub<Basket>('DELETE', `/api/basket/${encodeURIComponent(datasetId)}`),
};
