import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { listStationAudit, recordStationAudit, verifyStationAuditLog } from '../audit/station-audit-log.ts';
import {
  listOptOuts,
  optOutPurposes,
  optOutReference,
  optOutStatus,
  recordOptOut,
  withdrawOptOut,
  type OptOutActor,
  type OptOutPurpose,
} from '../opt-out/opt-out-register.ts';
import { projectsUsingRecord } from '../opt-out/task-usage.ts';
import type { StationStore } from '../station-store.ts';
import {
  consoleContentSecurityPolicy,
  consoleNotBuiltPage,
  defaultConsoleDir,
  isConsoleBuilt,
  readConsoleAsset,
  readConsolePage,
} from './_console-files.ts';
import { renderPatientPage } from './_patient-page.ts';
import { LocalApiError, registerStewardRoutes } from './_steward-routes.ts';
import {
  AuditPageAnswer,
  AuditQuery,
  AuditVerificationAnswer,
  OptOutBody,
  OptOutChangeAnswer,
  OptOutListAnswer,
  OptOutQuery,
  refusals,
} from './_steward-schemas.ts';

/** Options of {@link startStationLocalApi}. */
export interface StationLocalApiOptions {
  /** TCP port; 0 picks a free one. @default 8470 */
  readonly port?: number;
  /** Interface to listen on. Only widen it behind the hospital's portal or reverse proxy. @default '127.0.0.1' */
  readonly host?: string;
  /** The steward's bearer token. @default the one in `local-api-token` beside the store, made on first use */
  readonly stewardToken?: string;
  /**
   * The folder of the web package's build holding the console (`station.html`, `assets/`).
   * @default packages/web/dist of this checkout
   */
  readonly consoleDir?: string;
}

/** A running local API. */
export interface StationLocalApi {
  /** Base URL, e.g. `http://127.0.0.1:8470`. */
  readonly url: string;
  /** The steward's console, e.g. `http://127.0.0.1:8470/steward`. */
  readonly consoleUrl: string;
  /** Whether the console's files were found (else its page says how to build them). */
  readonly consoleBuilt: boolean;
  readonly app: FastifyInstance;
  /** Stops listening; the store stays open (it belongs to the caller). */
  close(): Promise<void>;
}

/** The file beside the store holding the steward's bearer token for the local API (mode 0600). */
export const localApiTokenFile = 'local-api-token';

/** The path of the steward's console; its views are paths under it. */
export const stationConsolePath = '/steward';

/**
 * Starts the station's local API inside the hospital: the patient page (`/`, server-rendered HTML: a
 * patient identifies themselves, opts out per purpose, and sees the approved projects that used their
 * record), the steward's console (`/steward`, the web package's built `station.html`), and the steward's
 * JSON endpoints under `/api` (overview, data quality, approvals, policy, opt-outs, audit log and its
 * verification; described at `/api/openapi.json`), which need `Authorization: Bearer <token>`. Every
 * steward call is audited. Listens on 127.0.0.1 unless told otherwise.
 *
 * @example
 * const api = await startStationLocalApi(store, { port: 8470 });
 * // … later
 * await api.close();
 */
export async function startStationLocalApi(
  store: StationStore,
  options: StationLocalApiOptions = {},
): Promise<StationLocalApi> {
  const token = options.stewardToken ?? (await readOrCreateLocalApiToken(store));
  const tokenDigest = digest(token);
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // Query strings need their numbers and booleans read from text; nothing else is bent to fit: a single
    // value is not wrapped into a list and an unknown field is refused, not silently dropped.
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
  });
  const stationName = store.info.name;
  const consoleDir = options.consoleDir ?? defaultConsoleDir;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Polder station local API',
        version: '0.1.0',
        description:
          "The station's API inside the hospital, for its data steward's console. Steward routes need " +
          "'Authorization: Bearer <token>' (the token is in local-api-token in the station directory). " +
          'Errors are answered as { "error": { "code", "message" } }.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, body, done) => {
      const fields: Record<string, string[]> = {};
      for (const [name, value] of new URLSearchParams(String(body))) (fields[name] ??= []).push(value);
      done(null, fields);
    },
  );

  app.addHook('onSend', async (request, reply) => {
    // Patient data: never cached, never framed by another site, never sent on as a referrer.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header(
      'content-security-policy',
      isConsoleRequest(request)
        ? consoleContentSecurityPolicy
        : "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
    );
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const refused = toLocalApiError(error);
    if (refused.code === 'internal') {
      process.stderr.write(
        `station local API: ${request.method} ${request.url.split('?')[0]} failed: ${String(error)}\n`,
      );
    }
    if (refused.status === 401 || refused.status === 403) {
      await recordStationAudit(store, {
        event: 'local-api.refused',
        action: 'read',
        outcome: 'refused',
        objectType: 'route',
        objectId: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        sourceIp: request.ip,
        client: clientOf(request),
        details: { status: refused.status, reason: refused.message },
      });
    }
    if (request.url.startsWith('/api/')) {
      return reply.status(refused.status).send({ error: { code: refused.code, message: refused.message } });
    }
    return reply
      .status(refused.status)
      .type('text/html; charset=utf-8')
      .send(renderPatientPage({ kind: 'identify', stationName, message: refused.message }));
  });
  app.setNotFoundHandler(async (request) => {
    throw new LocalApiError(
      404,
      'not-found',
      `Cannot ${request.method} ${request.url.split('?')[0]}: no such page`,
    );
  });

  const patientActor: OptOutActor = {
    id: 'patient-page',
    name: 'the patient, on the patient page',
    role: 'patient',
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderPatientPage({ kind: 'identify', stationName })),
  );

  app.post('/patient', { schema: { hide: true } }, async (request, reply) => {
    checkSameOrigin(request);
    const patientNumber = patientNumberField(request);
    return showPatient(request, reply, patientNumber);
  });

  app.post('/patient/choices', { schema: { hide: true } }, async (request, reply) => {
    checkSameOrigin(request);
    const patientNumber = patientNumberField(request);
    const fields = formFields(request);
    const chosen = new Set((fields['optOut'] ?? []).filter(isPurpose));
    const current = new Set(await optOutStatus(store, patientNumber));
    const toRecord = optOutPurposes.filter((p) => chosen.has(p) && !current.has(p));
    const toWithdraw = optOutPurposes.filter((p) => !chosen.has(p) && current.has(p));
    const change = { sourceIdentifier: patientNumber, actor: patientActor, ...origin(request) };
    if (toRecord.length > 0) await recordOptOut(store, { ...change, purposes: toRecord });
    if (toWithdraw.length > 0) await withdrawOptOut(store, { ...change, purposes: toWithdraw });
    const message =
      toRecord.length + toWithdraw.length === 0
        ? 'Nothing changed: your choices were already saved.'
        : 'Your choices are saved.';
    return showPatient(request, reply, patientNumber, message);
  });

  async function showPatient(
    request: FastifyRequest,
    reply: FastifyReply,
    patientNumber: string,
    message?: string,
  ): Promise<FastifyReply> {
    const [optedOut, uses, reference] = await Promise.all([
      optOutStatus(store, patientNumber),
      projectsUsingRecord(store, patientNumber),
      optOutReference(store, patientNumber),
    ]);
    // Showing which projects used a record is access to personal data: it is logged, under the reference.
    await recordStationAudit(store, {
      event: 'patient-page.read',
      action: 'read',
      outcome: 'success',
      actor: { id: 'patient-page', name: 'the patient, on the patient page' },
      objectType: 'opt-out',
      objectId: reference,
      ...origin(request),
      details: { projects: uses.length },
    });
    return reply.type('text/html; charset=utf-8').send(
      renderPatientPage({
        kind: 'patient',
        stationName,
        patientNumber,
        optedOut,
        uses,
        ...(message === undefined ? {} : { message }),
      }),
    );
  }

  app.get('/api/health', { schema: { hide: true } }, async () => ({ ok: true, station: stationName }));
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The steward's console: one page for every view (the console routes on the client), and its assets.
  const sendConsole = async (_request: FastifyRequest, reply: FastifyReply) => {
    const page = await readConsolePage(consoleDir);
    if (page === undefined) return reply.code(503).type('text/html; charset=utf-8').send(consoleNotBuiltPage);
    return reply.type('text/html; charset=utf-8').send(page);
  };
  app.get(stationConsolePath, { schema: { hide: true } }, sendConsole);
  app.get(`${stationConsolePath}/*`, { schema: { hide: true } }, sendConsole);
  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const asset = await readConsoleAsset(consoleDir, request.url.split('?')[0] ?? '');
    if (asset === undefined) {
      throw new LocalApiError(404, 'not-found', `Cannot GET ${request.url.split('?')[0]}: no such file`);
    }
    // Built assets carry a content hash in their names: they never change, so they may be kept.
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(asset.type)
      .send(asset.body);
  });

  const steward = { onRequest: [requireSteward] };
  const documented = (summary: string) => ({ summary, tags: ['steward'], security: [{ bearer: [] }] });
  registerStewardRoutes(app, { store, requireSteward, stewardOf, origin });

  app.get(
    '/api/opt-outs',
    {
      ...steward,
      schema: {
        ...documented('The opt-out register, newest first (pseudonyms only, never patient numbers)'),
        querystring: OptOutQuery,
        response: { 200: OptOutListAnswer, ...refusals },
      },
    },
    async (request) => {
      const query = request.query as OptOutQuery;
      const entries = await listOptOuts(store, {
        ...(query.includeWithdrawn === undefined ? {} : { includeWithdrawn: query.includeWithdrawn }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      });
      await recordStationAudit(store, {
        event: 'opt-out.list',
        action: 'read',
        outcome: 'success',
        actor: stewardOf(request),
        objectType: 'opt-out',
        ...origin(request),
        details: { entries: entries.length },
      });
      return { optOuts: entries };
    },
  );
  const optOutChange = (summary: string) => ({
    ...steward,
    schema: { ...documented(summary), body: OptOutBody, response: { 200: OptOutChangeAnswer, ...refusals } },
  });
  app.post(
    '/api/opt-outs',
    optOutChange("Record a patient's opt-out for purposes; it applies to permits granted from now on"),
    async (request) => recordOptOut(store, stewardChange(request)),
  );
  app.post(
    '/api/opt-outs/withdraw',
    optOutChange("Withdraw a patient's opt-out for purposes; it applies to permits granted from now on"),
    async (request) => withdrawOptOut(store, stewardChange(request)),
  );
  app.get(
    '/api/audit',
    {
      ...steward,
      schema: {
        ...documented("The station's audit log, newest first, a page at a time (page on with nextBefore)"),
        querystring: AuditQuery,
        response: { 200: AuditPageAnswer, ...refusals },
      },
    },
    async (request) => {
      const query = request.query as AuditQuery;
      const limit = query.limit ?? 100;
      const entries = await listStationAudit(store, {
        limit,
        ...(query.before === undefined ? {} : { before: query.before }),
        ...(query.event === undefined ? {} : { event: query.event }),
      });
      await recordStationAudit(store, {
        event: 'audit.read',
        action: 'read',
        outcome: 'success',
        actor: stewardOf(request),
        objectType: 'audit-log',
        ...origin(request),
        details: { entries: entries.length },
      });
      const oldest = entries.at(-1);
      return {
        entries,
        nextBefore: entries.length === limit && oldest !== undefined && oldest.seq > 1 ? oldest.seq : null,
      };
    },
  );
  app.get(
    '/api/audit/verify',
    {
      ...steward,
      schema: {
        ...documented("Verify the audit log's hash chain and its head anchor; every problem is listed"),
        response: { 200: AuditVerificationAnswer, ...refusals },
      },
    },
    async (request) => {
      const verification = await verifyStationAuditLog(store);
      // Logged after the walk, so the verification covers the log as the steward asked about it.
      await recordStationAudit(store, {
        event: 'audit.verify',
        action: 'read',
        outcome: verification.ok ? 'success' : 'failure',
        actor: stewardOf(request),
        objectType: 'audit-log',
        ...origin(request),
        details: { entries: verification.entries, problems: verification.problems.length },
      });
      return { ...verification, verifiedAt: new Date().toISOString() };
    },
  );

  async function requireSteward(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), tokenDigest)) {
      throw new LocalApiError(
        401,
        'unauthorised',
        `Cannot ${request.method} ${request.url.split('?')[0]}: give the steward token as 'Authorization: Bearer <token>' (it is in ${localApiTokenFile} in the station directory)`,
      );
    }
  }

  await app.listen({ port: options.port ?? 8470, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8470);
  const host = options.host ?? '127.0.0.1';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  return {
    url,
    consoleUrl: `${url}${stationConsolePath}`,
    consoleBuilt: isConsoleBuilt(consoleDir),
    app,
    close: () => app.close(),
  };
}

/**
 * Reads the steward's token for the local API from `local-api-token` beside the store, making one (32
 * random bytes, base64url, mode 0600) on first use.
 */
export async function readOrCreateLocalApiToken(store: StationStore): Promise<string> {
  const path = join(store.dir, localApiTokenFile);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 32) return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return token;
}

function stewardChange(request: FastifyRequest) {
  const body = request.body as OptOutBody;
  return {
    sourceIdentifier: body.sourceIdentifier,
    purposes: body.purposes as OptOutPurpose[],
    actor: { ...stewardOf(request, body), role: 'steward' as const },
    ...origin(request),
  };
}

/** The header in which the console names the signed-in steward (URI-encoded), for the audit log. */
export const stewardNameHeader = 'x-polder-steward';

/**
 * Who acts, for the audit log: the steward named in the body, else the one the console names in
 * `x-polder-steward`, else "steward (local API)". The bearer token proves a steward; the name says which.
 */
function stewardOf(
  request: FastifyRequest,
  body?: { readonly steward?: { readonly id: string; readonly name: string } },
): { id: string; name: string } {
  if (body?.steward !== undefined) return { id: body.steward.id, name: body.steward.name };
  const header = request.headers[stewardNameHeader];
  let named = '';
  if (typeof header === 'string') {
    try {
      named = decodeURIComponent(header).trim().slice(0, 200);
    } catch {
      named = '';
    }
  }
  return named === '' ? { id: 'steward', name: 'steward (local API)' } : { id: named, name: named };
}

function isConsoleRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return (
    path === stationConsolePath || path.startsWith(`${stationConsolePath}/`) || path.startsWith('/assets/')
  );
}

function formFields(request: FastifyRequest): Record<string, string[]> {
  const body: unknown = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new LocalApiError(400, 'bad-request', 'Cannot read the form: send it as the page does');
  }
  return body as Record<string, string[]>;
}

function patientNumberField(request: FastifyRequest): string {
  const number = formFields(request)['patientNumber']?.[0]?.trim() ?? '';
  if (number === '' || number.length > 200) {
    throw new LocalApiError(400, 'bad-request', 'Please enter your patient number.');
  }
  return number;
}

/** Forms must come from this page: a browser names the page's origin, which must be this server. */
function checkSameOrigin(request: FastifyRequest): void {
  const from = request.headers.origin;
  if (from === undefined || from === 'null') return;
  let host: string;
  try {
    host = new URL(from).host;
  } catch {
    host = '';
  }
  if (host !== request.headers.host) {
    throw new LocalApiError(403, 'forbidden', 'Cannot accept the form: it was sent from another site');
  }
}

function isPurpose(value: string): value is OptOutPurpose {
  return (optOutPurposes as readonly string[]).includes(value);
}

function origin(request: FastifyRequest): { sourceIp: string; client: string } {
  return { sourceIp: request.ip, client: clientOf(request) };
}

function clientOf(request: FastifyRequest): string {
  return (request.headers['user-agent'] ?? 'unknown').slice(0, 200);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function toLocalApiError(error: unknown): LocalApiError {
  if (error instanceof LocalApiError) return error;
  const fastifyError = error as { statusCode?: number; validation?: unknown; message?: string };
  if (fastifyError.validation !== undefined || fastifyError.statusCode === 400) {
    return new LocalApiError(
      400,
      'bad-request',
      `Cannot accept the request: ${fastifyError.message ?? 'bad input'}`,
    );
  }
  if (fastifyError.statusCode === 413 || fastifyError.statusCode === 415) {
    return new LocalApiError(
      400,
      'bad-request',
      `Cannot accept the request: ${fastifyError.message ?? 'bad body'}`,
    );
  }
  return new LocalApiError(500, 'internal', 'Cannot handle the request: the station failed; see its log');
}
