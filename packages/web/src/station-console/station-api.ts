import type { paths } from './station-api-types.generated.ts';

/*
 * The station's local API, typed from its OpenAPI document (`npm run generate:station-api`). The steward's
 * token lives in sessionStorage only: it goes when the tab closes, and no other tab or site can read it.
 */

type Method = 'get' | 'post' | 'put';

/** The JSON body of a 200 answer of `path`'s `method`, as the station's OpenAPI document describes it. */
type Answer<P extends keyof paths, M extends Method> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** The JSON body `path`'s `method` takes. */
type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** The station at a glance. */
export type StationOverview = Answer<'/api/overview', 'get'>;
/** The newest data-quality report, the ingest runs and the quarantine. */
export type DataQuality = Answer<'/api/data-quality', 'get'>;
/** A task waiting for the steward. */
export type PendingApproval = Answer<'/api/approvals', 'get'>['approvals'][number];
/** The policy with its thresholds and the platform's floors. */
export type PolicyView = Answer<'/api/policy', 'get'>;
/** What the steward may set. */
export type StationPolicy = PolicyView['policy'];
/** The disclosure thresholds a policy may set. */
export type DisclosureThresholds = PolicyView['effective'];
/** A page of the audit log. */
export type AuditPage = Answer<'/api/audit', 'get'>;
/** One row of the audit log. */
export type AuditRow = AuditPage['entries'][number];
/** The outcome of verifying the audit log. */
export type AuditVerification = Answer<'/api/audit/verify', 'get'>;
/** The opt-out register. */
export type OptOutRow = Answer<'/api/opt-outs', 'get'>['optOuts'][number];
/** An opt-out purpose: an EHDS Art. 53(1) ground, or all. */
export type OptOutPurpose = RequestBody<'/api/opt-outs', 'post'>['purposes'][number];
/** What recording or withdrawing an opt-out changed. */
export type OptOutChange = Answer<'/api/opt-outs', 'post'>;

/** Why a call to the station failed: its error code (or 'network'), the HTTP status and its message. */
export class StationApiError extends Error {
  override readonly name = 'StationApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const tokenKey = 'polder.station.token';
const stewardKey = 'polder.station.steward';

/** The signed-in steward: the token proves a steward, the name says which (for the audit log). */
export interface StewardSession {
  readonly token: string;
  readonly name: string;
}

/** The steward session of this tab, if any. */
export function readStewardSession(): StewardSession | undefined {
  const token = sessionStorage.getItem(tokenKey);
  const name = sessionStorage.getItem(stewardKey);
  return token === null || name === null ? undefined : { token, name };
}

/** Keeps the session for this tab only. */
export function saveStewardSession(session: StewardSession): void {
  sessionStorage.setItem(tokenKey, session.token);
  sessionStorage.setItem(stewardKey, session.name);
}

/** Forgets the session. */
export function clearStewardSession(): void {
  sessionStorage.removeItem(tokenKey);
  sessionStorage.removeItem(stewardKey);
}

async function call<T>(session: StewardSession, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'omit',
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${session.token}`,
        'x-polder-steward': encodeURIComponent(session.name),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new StationApiError('network', 0, 'Cannot reach the station: is it still running?', { cause });
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new StationApiError(
      typeof error?.code === 'string' ? error.code : 'http',
      response.status,
      typeof error?.message === 'string' ? error.message : `The station answered ${response.status}`,
    );
  }
  return payload as T;
}

/** The steward's calls to the station, for one session. */
export function stationApi(session: StewardSession) {
  const steward = { id: session.name, name: session.name };
  return {
    overview: () => call<StationOverview>(session, 'GET', '/api/overview'),
    dataQuality: () => call<DataQuality>(session, 'GET', '/api/data-quality'),
    approvals: () => call<Answer<'/api/approvals', 'get'>>(session, 'GET', '/api/approvals'),
    approve: (taskId: string, reason: string) =>
      call<Answer<'/api/approvals/{taskId}/approve', 'post'>>(
        session,
        'POST',
        `/api/approvals/${encodeURIComponent(taskId)}/approve`,
        { steward, ...(reason.trim() === '' ? {} : { reason: reason.trim() }) },
      ),
    decline: (taskId: string, reason: string) =>
      call<Answer<'/api/approvals/{taskId}/decline', 'post'>>(
        session,
        'POST',
        `/api/approvals/${encodeURIComponent(taskId)}/decline`,
        { steward, reason: reason.trim() },
      ),
    policy: () => call<PolicyView>(session, 'GET', '/api/policy'),
    setPolicy: (policy: StationPolicy) =>
      call<PolicyView>(session, 'PUT', '/api/policy', { policy, steward } satisfies RequestBody<
        '/api/policy',
        'put'
      >),
    audit: (query: { readonly before?: number; readonly event?: string; readonly limit?: number }) => {
      const search = new URLSearchParams();
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      if (query.before !== undefined) search.set('before', String(query.before));
      if (query.event !== undefined && query.event !== '') search.set('event', query.event);
      return call<AuditPage>(session, 'GET', `/api/audit?${search.toString()}`);
    },
    verifyAudit: () => call<AuditVerification>(session, 'GET', '/api/audit/verify'),
    optOuts: (includeWithdrawn: boolean) =>
      call<Answer<'/api/opt-outs', 'get'>>(
        session,
        'GET',
        `/api/opt-outs?includeWithdrawn=${includeWithdrawn}`,
      ),
    recordOptOut: (sourceIdentifier: string, purposes: readonly OptOutPurpose[]) =>
      call<OptOutChange>(session, 'POST', '/api/opt-outs', { sourceIdentifier, purposes, steward }),
    withdrawOptOut: (sourceIdentifier: string, purposes: readonly OptOutPurpose[]) =>
      call<OptOutChange>(session, 'POST', '/api/opt-outs/withdraw', { sourceIdentifier, purposes, steward }),
  };
}

/** The calls of {@link stationApi}. */
export type StationApi = ReturnType<typeof stationApi>;
