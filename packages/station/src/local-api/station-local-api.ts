import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
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
import { renderPatientPage } from './_patient-page.ts';

/** Options of {@link startStationLocalApi}. */
export interface StationLocalApiOptions {
  /** TCP port; 0 picks a free one. @default 8470 */
  readonly port?: number;
  /** Interface to listen on. Only widen it behind the hospital's portal or reverse proxy. @default '127.0.0.1' */
  readonly host?: string;
  /** The steward's bearer token. @default the one in `local-api-token` beside the store, made on first use */
  readonly stewardToken?: string;
}

/** A running local API. */
export interface StationLocalApi {
  /** Base URL, e.g. `http://127.0.0.1:8470`. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops listening; the store stays open (it belongs to the caller). */
  close(): Promise<void>;
}

/** The file beside the store holding the steward's bearer token for the local API (mode 0600). */
export const localApiTokenFile = 'local-api-token';

const Purposes = Type.Array(Type.Union(optOutPurposes.map((purpose) => Type.Literal(purpose))), {
  minItems: 1,
  maxItems: optOutPurposes.length,
});
const OptOutBody = Type.Object(
  {
    /** The patient number; it passes through to the keyed hash and is never stored. */
    sourceIdentifier: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    purposes: Purposes,
    /** The steward who acts, for the audit log. */
    steward: Type.Optional(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 200 }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type OptOutBody = Static<typeof OptOutBody>;
const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const OptOutQuery = Type.Object(
  {
    includeWithdrawn: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

/** A request refused with a status and a message a person can act on. */
class LocalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'bad-request' | 'unauthorised' | 'forbidden' | 'not-found' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the station's local API inside the hospital: the patient page (`/`, server-rendered HTML: a
 * patient identifies themselves, opts out per purpose, and sees the approved projects that used their
 * record) and the steward's JSON endpoints under `/api` (opt-outs, audit log, its verification), which
 * need `Authorization: Bearer <token>`. Listens on 127.0.0.1 unless told otherwise.
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
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const stationName = store.info.name;

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
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
    );
    void request;
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

  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderPatientPage({ kind: 'identify', stationName })),
  );

  app.post('/patient', async (request, reply) => {
    checkSameOrigin(request);
    const patientNumber = patientNumberField(request);
    return showPatient(request, reply, patientNumber);
  });

  app.post('/patient/choices', async (request, reply) => {
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

  app.get('/api/health', async () => ({ ok: true, station: stationName }));

  const steward = { onRequest: [requireSteward] };
  app.get('/api/opt-outs', { ...steward, schema: { querystring: OptOutQuery } }, async (request) => {
    const query = request.query as Static<typeof OptOutQuery>;
    const entries = await listOptOuts(store, {
      ...(query.includeWithdrawn === undefined ? {} : { includeWithdrawn: query.includeWithdrawn }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    await recordStationAudit(store, {
      event: 'opt-out.list',
      action: 'read',
      outcome: 'success',
      actor: { id: 'steward', name: 'steward (local API)' },
      objectType: 'opt-out',
      ...origin(request),
      details: { entries: entries.length },
    });
    return { optOuts: entries };
  });
  app.post('/api/opt-outs', { ...steward, schema: { body: OptOutBody } }, async (request) =>
    recordOptOut(store, stewardChange(request)),
  );
  app.post('/api/opt-outs/withdraw', { ...steward, schema: { body: OptOutBody } }, async (request) =>
    withdrawOptOut(store, stewardChange(request)),
  );
  app.get('/api/audit', { ...steward, schema: { querystring: AuditQuery } }, async (request) => {
    const query = request.query as Static<typeof AuditQuery>;
    const entries = await listStationAudit(store, {
      limit: query.limit ?? 100,
      ...(query.before === undefined ? {} : { before: query.before }),
      ...(query.event === undefined ? {} : { event: query.event }),
    });
    await recordStationAudit(store, {
      event: 'audit.read',
      action: 'read',
      outcome: 'success',
      actor: { id: 'steward', name: 'steward (local API)' },
      objectType: 'audit-log',
      ...origin(request),
      details: { entries: entries.length },
    });
    return { entries };
  });
  app.get('/api/audit/verify', steward, async () => verifyStationAuditLog(store));

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
  return { url: `http://${shownHost}:${port}`, app, close: () => app.close() };
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
    actor: {
      id: body.steward?.id ?? 'steward',
      name: body.steward?.name ?? 'steward (local API)',
      role: 'steward' as const,
    },
    ...origin(request),
  };
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
