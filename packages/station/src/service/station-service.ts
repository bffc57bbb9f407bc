import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  importPrivateKey,
  openEnvelope,
  PermitRevocationList,
  ProtocolError,
  stationSessionHeader,
  type SignedTaskOffer,
  type SignedTaskResult,
  type TaskOffer,
} from '@polder/protocol';
import WebSocket from 'ws';
import { authenticateToHub, readStationEnrolment, type HubSession } from '../enrolment.ts';
import type { StationStore } from '../station-store.ts';
import { recordStationAudit, type StationAuditEntry } from '../audit/station-audit-log.ts';
import { readPublishedDatasets } from './published-datasets.ts';
import { readStationPolicy, type StationPolicy } from './station-policy.ts';
import { applyApprovalInbox, writePendingApprovalsSnapshot } from './task-approvals.ts';
import {
  createTaskLogTable,
  listTaskLog,
  markResultPosted,
  receiveTask,
  findTaskLogEntry,
  newTaskLogEntry,
  setTaskStatus,
  storeTaskResult,
} from './task-log.ts';
import {
  openTaskOffer,
  runTask,
  signTaskResult,
  UntrustedOfferError,
  type StationIdentity,
  type TaskOutcome,
} from './task-runner.ts';

/** Where the service reports what it does; one line per event. It is never handed a secret. */
export interface StationServiceLog {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Options of {@link startStationService}. */
export interface StationServiceOptions {
  /** The hub's base URL. @default the URL the station enrolled at */
  readonly hubUrl?: string;
  /**
   * The policy to apply. @default the station's `station-policy.json`, read for every task, so that
   * `polder station policy set` applies to the next task without a restart
   */
  readonly policy?: StationPolicy;
  readonly log?: StationServiceLog;
  /** Reconnection backoff: first delay and ceiling, in milliseconds. @default { initialMs: 500, maxMs: 30000 } */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** How often to re-sync tasks over REST while connected (a safety net under the socket), ms. @default 60000 */
  readonly resyncIntervalMs?: number;
  /** How often the socket is pinged; no answer for two intervals ends it (and reconnects), ms. @default 30000 */
  readonly heartbeatMs?: number;
  /** How often to look for the steward's decisions (console, CLI inbox), ms. @default 1000 */
  readonly decisionPollMs?: number;
  /** Test-only pause once a task's computation started, ms (POLDER_STATION_TASK_DELAY_MS). @default 0 */
  readonly taskDelayMs?: number;
  /** For jitter. @default Math.random */
  readonly random?: () => number;
}

/** A running station service. */
export interface StationService {
  readonly stationId: string;
  /** Whether the socket to the hub is open now. */
  readonly connected: boolean;
  /** Resolves when every task received so far has been handled and its result posted (or given up). */
  idle(): Promise<void>;
  /** Closes the link, lets the task at hand finish and stops; the store stays open (the caller closes it). */
  stop(): Promise<void>;
}

const silentLog: StationServiceLog = { info() {}, warn() {}, error() {} };

/**
 * Timestamps of a task's hops through the station (offer in, logged, computed, stored, posted), for finding
 * where a round's time goes (`scripts/bench-federation.ts` reads them). Off unless POLDER_TRACE_HOPS=1; ids
 * and times only.
 */
const traceEnabled = process.env['POLDER_TRACE_HOPS'] === '1';
function traceHop(hop: string, taskId: string): void {
  if (!traceEnabled) return;
  process.stderr.write(
    `polder-hop ${JSON.stringify({ hop, at: performance.timeOrigin + performance.now(), taskId })}\n`,
  );
}

/**
 * Starts the station's link with its hub. The station only connects outwards: it authenticates (a signed
 * challenge gives a session token, renewed before it expires), fetches the signed revocation list, opens the
 * WebSocket `/api/station-link`, re-syncs pending tasks over REST, and runs each task it is offered exactly
 * once (the task log `polder.task_log` answers a task seen before with its stored result). When the hub goes
 * away it reconnects with exponential backoff and jitter.
 * @throws FederationError ('not-enrolled') when the station has not enrolled
 * @example
 * const service = await startStationService(store, { log });
 * process.once('SIGTERM', () => void service.stop());
 */
export async function startStationService(
  store: StationStore,
  options: StationServiceOptions = {},
): Promise<StationService> {
  const log = options.log ?? silentLog;
  const enrolment = await readStationEnrolment(store);
  if (enrolment === undefined) {
    throw new Error(
      'Cannot start the station service: the station has not enrolled at a hub (polder station enrol)',
    );
  }
  const keyPair = importPrivateKey(await readFile(join(store.dir, 'station-key.pem'), 'utf8'));
  if (keyPair.publicKey !== enrolment.stationPublicKey) {
    throw new Error(
      'Cannot start the station service: station-key.pem is not the key the station enrolled with',
    );
  }
  const identity: StationIdentity = {
    stationId: enrolment.stationId,
    keyPair,
    hubPublicKey: enrolment.hubPublicKey,
  };
  const hubUrl = options.hubUrl ?? enrolment.hubUrl;
  const hubFetch = fetchAt(hubUrl, enrolment.hubUrl);
  // Relative to the hub's base URL, so that a hub served under a path prefix works as it does for enrolment.
  const hubEndpoint = (path: string) =>
    new URL(path.replace(/^\//, ''), hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
  const random = options.random ?? Math.random;
  const initialDelay = options.reconnect?.initialMs ?? 500;
  const maxDelay = options.reconnect?.maxMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const controller = new AbortController();
  const { signal } = controller;

  // The store's one connection is shared by the task log, the audit log and the approvals; DuckDB runs one
  // statement at a time on a connection, so the service takes turns on it.
  let dbTurn: Promise<unknown> = Promise.resolve();
  function db<T>(work: () => Promise<T>): Promise<T> {
    const next = dbTurn.then(work, work);
    dbTurn = next.catch(() => undefined);
    return next;
  }
  await db(() => createTaskLogTable(store.connection));
  // Whether a task is new is read on a connection of its own: on the log's it would wait behind the commit
  // of the last task's bookkeeping (its "posted" mark), and the look-up needs only committed rows — this
  // process handles one task at a time, and everything a task stored before its result was posted is
  // committed.
  const lookups = await store.instance.connect();
  // Readers in other processes (`polder station approvals list`) see the queue as this process finds it.
  await db(() => writePendingApprovalsSnapshot(store));

  let session: HubSession | undefined;
  let socket: WebSocket | undefined;
  let connected = false;
  let revoked: ReadonlySet<string> = new Set();
  let revocationsIssuedAt = '';
  let renewTimer: NodeJS.Timeout | undefined;
  let tasks: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  /** Whether a task in the log may wait for (or have) the steward's decision; see the decision timer. */
  let mayAwaitSteward = true;
  const posting = new Set<Promise<void>>();

  const hubActor = { id: enrolment.hubKeyId, name: `hub ${hubUrl}` };
  const audit = (entry: StationAuditEntry) =>
    recordStationAudit(store, { client: 'station service', ...entry }).catch((error: unknown) =>
      log.error('cannot write the station audit log', { error: (error as Error).message }),
    );

  // ------------------------------------------------------------------------------------------ the hub link

  async function authenticate(): Promise<HubSession> {
    const fresh = await authenticateToHub(store, { fetch: hubFetch });
    session = fresh;
    scheduleRenewal(fresh);
    log.info('authenticated to the hub', { hub: hubUrl, sessionExpiresAt: fresh.expiresAt });
    return fresh;
  }

  /** Renews the session at four fifths of its life, so that a request never carries an expired token. */
  function scheduleRenewal(current: HubSession): void {
    clearTimeout(renewTimer);
    const lifetime = Date.parse(current.expiresAt) - Date.now();
    renewTimer = setTimeout(
      () => {
        if (signal.aborted) return;
        authenticate().catch((error: unknown) => {
          log.warn('cannot renew the hub session; retrying', { error: (error as Error).message });
          if (session !== undefined)
            scheduleRenewal({ ...session, expiresAt: new Date(Date.now() + 25_000).toISOString() });
        });
      },
      Math.max(1_000, lifetime * 0.8),
    );
    renewTimer.unref();
  }

  /** A REST call to a station route with the session token; a 401 re-authenticates once. */
  async function callHub(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      const current = session ?? (await authenticate());
      const response = await fetch(hubEndpoint(path), {
        method,
        headers: {
          accept: 'application/json',
          [stationSessionHeader]: current.token,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      });
      if (response.status !== 401 || attempt > 0) return response;
      await response.body?.cancel();
      session = undefined;
    }
  }

  async function fetchRevocations(): Promise<void> {
    const response = await callHub('GET', '/api/station-permit-revocations');
    if (!response.ok)
      throw new Error(`Cannot fetch the permit revocation list: the hub answered ${response.status}`);
    applyRevocations(await response.json());
  }

  function applyRevocations(untrusted: unknown): void {
    let list: PermitRevocationList;
    try {
      list = openEnvelope(untrusted, {
        publicKey: identity.hubPublicKey,
        schema: PermitRevocationList,
        what: 'permit revocation list',
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      log.warn('ignored a revocation list that is not from the pinned hub key', { error: error.message });
      return;
    }
    // An older list (replayed, or overtaken by a push) must not un-revoke a permit.
    if (list.issuedAt < revocationsIssuedAt) return;
    revocationsIssuedAt = list.issuedAt;
    revoked = new Set(list.revoked.map((entry) => entry.permitId));
    log.info('permit revocation list applied', { revoked: revoked.size, issuedAt: list.issuedAt });
  }

  async function resync(): Promise<void> {
    const response = await callHub('GET', '/api/station-tasks');
    if (!response.ok) throw new Error(`Cannot re-sync tasks: the hub answered ${response.status}`);
    const body = (await response.json()) as { tasks?: unknown };
    const offers = Array.isArray(body.tasks) ? body.tasks : [];
    if (offers.length > 0) log.info('re-synced pending tasks', { tasks: offers.length });
    for (const offer of offers) acceptOffer(offer, 'rest');
  }

  function openSocket(current: HubSession): Promise<WebSocket> {
    const url = hubEndpoint('/api/station-link');
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: { [stationSessionHeader]: current.token },
        handshakeTimeout: 15_000,
      });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`Cannot open the station link: the hub answered ${response.statusCode ?? '?'}`));
        if (response.statusCode === 401) session = undefined;
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  function onFrame(ws: WebSocket, data: WebSocket.RawData): void {
    let frame: { type?: unknown; offer?: unknown; list?: unknown };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      log.warn('ignored a frame that is not JSON');
      return;
    }
    if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    else if (frame.type === 'task') {
      if (traceEnabled)
        traceHop(
          'station.frame',
          String((frame.offer as { payload?: { taskId?: unknown } })?.payload?.taskId).slice(0, 36),
        );
      acceptOffer(frame.offer, 'socket');
    } else if (frame.type === 'revocations') applyRevocations(frame.list);
    else log.warn('ignored a frame of an unknown type', { type: String(frame.type) });
  }

  /** Runs until the service stops: connect, listen until the link drops, wait, connect again. */
  async function linkLoop(): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const current = await authenticate();
        await fetchRevocations();
        const ws = await openSocket(current);
        socket = ws;
        connected = true;
        failures = 0;
        log.info('connected to the hub', { hub: hubUrl });
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        ws.on('message', (data) => onFrame(ws, data));
        ws.on('error', (error) => log.warn('station link error', { error: error.message }));
        let alive = true;
        ws.on('pong', () => (alive = true));
        ws.on('message', () => (alive = true));
        const heartbeat = setInterval(() => {
          if (!alive) {
            log.warn('the hub stopped answering; reconnecting');
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, heartbeatMs);
        // Listening first, then re-syncing, leaves no gap in which an offer could be missed.
        const resyncTimer = setInterval(
          () => void resync().catch(() => undefined),
          options.resyncIntervalMs ?? 60_000,
        );
        try {
          await resync();
          sweepTaskLog();
        } catch (error) {
          log.warn('cannot re-sync tasks; will retry', { error: (error as Error).message });
        }
        await closed;
        clearInterval(heartbeat);
        clearInterval(resyncTimer);
        connected = false;
        socket = undefined;
        if (!signal.aborted) log.warn('the station link closed; reconnecting');
      } catch (error) {
        connected = false;
        if (signal.aborted) break;
        failures += 1;
        log.warn('cannot reach the hub; retrying', { error: (error as Error).message, attempt: failures });
      }
      if (signal.aborted) break;
      // Exponential backoff with jitter (half fixed, half random), so that stations do not return in step.
      const ceiling = Math.min(maxDelay, initialDelay * 2 ** Math.min(failures, 20));
      await sleep(ceiling / 2 + (random() * ceiling) / 2, undefined, { signal }).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------------------------------- the tasks

  function acceptOffer(untrusted: unknown, via: 'socket' | 'rest' | 'log'): void {
    let task: TaskOffer;
    try {
      task = openTaskOffer(untrusted, identity);
    } catch (error) {
      if (!(error instanceof UntrustedOfferError)) throw error;
      const taskId = (untrusted as { payload?: { taskId?: unknown } } | null)?.payload?.taskId;
      log.warn('refused a task offer that is not from the pinned hub for this station', {
        error: error.message,
      });
      void audit({
        event: 'task.offer',
        action: 'execute',
        outcome: 'refused',
        actor: hubActor,
        objectType: 'task',
        objectId: typeof taskId === 'string' ? taskId.slice(0, 36) : 'unknown',
        details: { reason: error.message },
      });
      return;
    }
    traceHop(`station.offer-in-${via}`, task.taskId);
    if (queued.has(task.taskId)) return;
    queued.add(task.taskId);
    const signed = untrusted as SignedTaskOffer;
    tasks = tasks
      .then(() => (signal.aborted ? undefined : handleTask(signed, via)))
      .catch((error: unknown) =>
        log.error('cannot handle task', { taskId: task.taskId, error: (error as Error).message }),
      )
      .finally(() => queued.delete(task.taskId));
  }

  async function handleTask(offer: SignedTaskOffer, via: string): Promise<void> {
    const task = offer.payload;
    traceHop('station.start', task.taskId);
    // The policy and the published datasets are read while the task is logged.
    const settings = Promise.all([options.policy ?? readStationPolicy(store), readPublishedDatasets(store)]);
    settings.catch(() => undefined); // awaited below; a task answered from the log does not need them
    // A task the log does not know is logged while it is checked and computed: the INSERT and its commit
    // cost several times the look-up. Nothing depends on the row before the result (or the wait for the
    // steward) is stored, and those statements queue on the log's connection behind the INSERT. A station
    // that dies before the row is committed has not answered, and the hub offers the task again.
    const known = await findTaskLogEntry(lookups, task.taskId);
    const receivedAt = new Date().toISOString();
    const logging =
      known === undefined ? db(() => receiveTask(store.connection, offer, receivedAt)) : undefined;
    logging?.catch(() => undefined); // awaited before anything is stored
    const entry = known ?? newTaskLogEntry(offer, receivedAt);
    const seenBefore = known !== undefined;
    traceHop('station.logged', task.taskId);
    if (entry.signedResult != null) {
      // Done before: the stored answer is the only answer, whatever happens to the offer now.
      log.info('task answered from the task log', { taskId: task.taskId, status: entry.resultStatus });
      post(entry.signedResult);
      return;
    }
    if (!seenBefore) {
      log.info('task received', {
        taskId: task.taskId,
        via,
        algorithm: `${task.algorithm.name}@${task.algorithm.version}`,
        round: task.round,
      });
    } else if (entry.status === 'running' || entry.status === 'received') {
      log.info('task interrupted before, running it again', {
        taskId: task.taskId,
        attempts: entry.attempts,
      });
    }
    if (entry.status === 'pending-approval') {
      post(signTaskResult(pendingResult(task), identity));
      return;
    }
    const approved = entry.decidedAt !== null && entry.status !== 'declined';
    let outcome: TaskOutcome;
    if (entry.status === 'declined') {
      outcome = {
        kind: 'final',
        result: {
          type: 'polder.task-result.v1',
          taskId: task.taskId,
          stationId: identity.stationId,
          status: 'refused',
          problem: {
            step: 'approval',
            code: 'declined',
            message: `The station's data steward declined the task${entry.decisionReason ? `: ${entry.decisionReason}` : ''}`,
          },
          completedAt: new Date().toISOString(),
          durationMs: 0,
        },
      };
    } else {
      const [policy, datasetIds] = await settings;
      outcome = await runTask(offer, {
        store,
        identity,
        policy,
        revokedPermits: revoked,
        datasetIds,
        approved,
        ...(options.taskDelayMs === undefined ? {} : { taskDelayMs: options.taskDelayMs }),
        onComputeStart: async () => {
          traceHop('station.checked', task.taskId);
          // Not awaited: the computation runs on a connection of its own, and the mark is queued on the
          // log's connection before the result is, so the log never shows a task done that it did not show
          // running. A process that dies within the mark's millisecond counts one attempt too few.
          void db(() => setTaskStatus(store.connection, task.taskId, 'running')).catch((error: unknown) =>
            log.error('cannot mark the task running', {
              taskId: task.taskId,
              error: (error as Error).message,
            }),
          );
        },
      });
    }
    const permit = outcome.permit;
    const auditBase = {
      action: 'execute' as const,
      actor: { id: task.requestedBy.userId, name: `${task.requestedBy.name} (via the hub)` },
      onBehalfOf: `project ${task.projectId}`,
      ...(permit === undefined ? {} : { purpose: permit.purpose }),
      objectType: 'task',
      objectId: task.taskId,
    };
    traceHop('station.computed', task.taskId);
    if (logging !== undefined && (await logging).seenBefore) {
      // Only another process on this station's database could have logged it meanwhile, and DuckDB's lock
      // keeps a second one out; should it happen, the task is left to the run that logged it.
      log.warn('the task was logged by another run meanwhile; leaving it to that run', {
        taskId: task.taskId,
      });
      return;
    }
    const signed = signTaskResult(outcome.result, identity);
    if (outcome.kind === 'pending-approval') {
      await db(() => setTaskStatus(store.connection, task.taskId, 'pending-approval'));
      mayAwaitSteward = true;
      await audit({
        ...auditBase,
        event: 'task.pending-approval',
        outcome: 'success',
        details: detailsOf(task),
      });
      await db(() => writePendingApprovalsSnapshot(store));
      log.info('task waits for the steward', { taskId: task.taskId });
      post(signed);
      return;
    }
    // Stored before it is posted: a re-post sends this very result (noise included), never a new one. The
    // audit entry is written at the same time on a connection of its own; both are done before the post.
    // The result stored is the one signed here: a task already done was answered from the log above, and
    // one task is handled at a time (queued).
    const status = signed.payload.status;
    const [stored] = await Promise.all([
      db(() => storeTaskResult(store.connection, signed)),
      audit({
        ...auditBase,
        event: 'task.result',
        outcome: status === 'completed' ? 'success' : status === 'refused' ? 'refused' : 'failure',
        details: {
          ...detailsOf(task),
          status,
          ...(signed.payload.problem === undefined ? {} : { problem: signed.payload.problem }),
          ...(permit === undefined ? {} : { permitId: permit.permitId }),
        },
      }),
    ]);
    traceHop('station.stored', task.taskId);
    if (stored !== signed)
      log.warn('the task log held another result; it is posted, the audit entry names this one', {
        taskId: task.taskId,
      });
    if (entry.status === 'approved' || entry.status === 'declined')
      await db(() => writePendingApprovalsSnapshot(store));
    log.info('task done', {
      taskId: task.taskId,
      status: stored.payload.status,
      durationMs: stored.payload.durationMs,
      ...(stored.payload.problem === undefined
        ? {}
        : { step: stored.payload.problem.step, code: stored.payload.problem.code }),
    });
    post(stored);
  }

  function pendingResult(task: TaskOffer) {
    return {
      type: 'polder.task-result.v1' as const,
      taskId: task.taskId,
      stationId: identity.stationId,
      status: 'pending-approval' as const,
      problem: {
        step: 'approval' as const,
        code: 'awaiting-steward',
        message: "Task waits for the approval of the station's data steward",
      },
      completedAt: new Date().toISOString(),
      durationMs: 0,
    };
  }

  /** Posts a result until the hub takes it (200) or holds one already (409), with backoff; never twice at once. */
  function post(result: SignedTaskResult): void {
    const done = postResult(result).catch((error: unknown) =>
      log.error('cannot post result', { taskId: result.payload.taskId, error: (error as Error).message }),
    );
    posting.add(done);
    void done.finally(() => posting.delete(done));
  }

  async function postResult(result: SignedTaskResult): Promise<void> {
    const taskId = result.payload.taskId;
    const final = result.payload.status !== 'pending-approval';
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      let status: number;
      try {
        traceHop('station.post', taskId);
        const response = await callHub('POST', `/api/station-tasks/${taskId}/result`, result);
        status = response.status;
        traceHop('station.posted', taskId);
        await response.body?.cancel();
      } catch (error) {
        if (signal.aborted) return;
        log.warn('cannot post result; retrying', { taskId, error: (error as Error).message });
        status = 0;
      }
      if (status === 200 || status === 409) {
        if (status === 409) log.warn('the hub holds another result for the task', { taskId });
        if (final) await db(() => markResultPosted(store.connection, taskId, new Date().toISOString()));
        log.info('result posted', { taskId, status: result.payload.status });
        return;
      }
      if (status >= 400 && status < 500 && status !== 401 && status !== 429) {
        // The hub will never take it (unknown task, bad request); the next connection's sweep tries again.
        log.error('the hub refused the result', { taskId, status });
        return;
      }
      const ceiling = Math.min(maxDelay, initialDelay * 2 ** Math.min(attempt + 1, 20));
      await sleep(ceiling / 2 + (random() * ceiling) / 2, undefined, { signal }).catch(() => undefined);
    }
  }

  /**
   * After (re)connecting: runs again what the log holds unfinished (interrupted, or decided by the steward),
   * and re-posts results the hub has not acknowledged.
   */
  function sweepTaskLog(): void {
    void db(() => listTaskLog(store.connection))
      .then((entries) => {
        for (const entry of entries) {
          if (entry.status === 'done') {
            if (entry.postedAt === null && entry.signedResult !== null) post(entry.signedResult);
          } else if (entry.status !== 'pending-approval') {
            acceptOffer(entry.offer, 'log');
          }
        }
      })
      .catch((error: unknown) => log.error('cannot read the task log', { error: (error as Error).message }));
  }

  // The steward decides in the console (same process) or with `polder station approvals` (the inbox).
  // The log is read only while a task may wait for a decision (one did at the last look, the inbox held
  // one, or this process has not looked yet): a query every second on the log's one connection would
  // otherwise now and then hold up a task's own statements.
  const decisionTimer = setInterval(() => {
    void db(() => applyApprovalInbox(store))
      .then(async (applied) => {
        if (applied === 0 && !mayAwaitSteward) return;
        const entries = await db(() =>
          listTaskLog(store.connection, { statuses: ['pending-approval', 'approved', 'declined'] }),
        );
        mayAwaitSteward = entries.some((entry) => entry.status === 'pending-approval');
        const decided = entries.filter((entry) => entry.status !== 'pending-approval');
        // Not connected: the next connection's sweep runs them; look again until then.
        if (!connected) mayAwaitSteward ||= decided.length > 0;
        else for (const entry of decided) acceptOffer(entry.offer, 'log');
      })
      .catch((error: unknown) => log.error('cannot apply approvals', { error: (error as Error).message }));
  }, options.decisionPollMs ?? 1_000);

  const loop = linkLoop();
  log.info('station service started', { stationId: identity.stationId, hub: hubUrl });

  return {
    stationId: identity.stationId,
    get connected() {
      return connected;
    },
    async idle() {
      for (;;) {
        const pending = [tasks, ...posting];
        await Promise.all(pending);
        if (tasks === pending[0] && posting.size === 0) return;
      }
    },
    async stop() {
      controller.abort();
      clearInterval(decisionTimer);
      clearTimeout(renewTimer);
      socket?.close(1001, 'station stopping');
      await loop;
      await tasks;
      await Promise.all([...posting]);
      await dbTurn;
      lookups.closeSync();
      log.info('station service stopped');
    },
  };
}

function detailsOf(task: TaskOffer): Record<string, unknown> {
  return {
    projectId: task.projectId,
    runId: task.runId,
    algorithm: `${task.algorithm.name}@${task.algorithm.version}`,
    round: task.round,
  };
}

/** A fetch that sends requests meant for the enrolled hub URL to `hubUrl` instead (a hub that moved). */
function fetchAt(hubUrl: string, enrolledUrl: string): typeof fetch {
  if (hubUrl === enrolledUrl) return fetch;
  const base = (url: string) => (url.endsWith('/') ? url : `${url}/`);
  return (input, init) => {
    const url = input instanceof Request ? input.url : input.toString();
    const relative = url.startsWith(base(enrolledUrl)) ? url.slice(base(enrolledUrl).length) : url;
    return fetch(new URL(relative, base(hubUrl)), init);
  };
}
