import WebSocket from 'ws';
import {
  generateSigningKeyPair,
  openEnvelope,
  signEnvelope,
  signText,
  SignedTaskOffer,
  StationSession,
  stationAuthText,
  stationSessionHeader,
  TaskOffer,
  type SignedTaskResult,
  type SigningKeyPair,
  type TaskResult,
} from '@polder/protocol';
import type { StationLinkMessage } from './station-link.ts';

/**
 * A minimal station for tests of the task protocol, over real HTTP and a real WebSocket: it enrols with a
 * key of its own, authenticates by signing the hub's challenge, holds the link open (answering pings), and
 * posts results signed with its key. What it computes is up to the test.
 */
export class TestStationClient {
  readonly messages: StationLinkMessage[] = [];
  token = '';
  #socket: WebSocket | undefined;
  readonly #waiters = new Set<() => void>();

  private constructor(
    readonly baseUrl: string,
    readonly id: string,
    readonly key: SigningKeyPair,
    readonly hubPublicKey: string,
  ) {}

  /** Creates the station as an admin (`adminCookie`), enrols it with a new key and authenticates. */
  static async enrol(baseUrl: string, adminCookie: string, name: string): Promise<TestStationClient> {
    const created = await json(
      await fetch(`${baseUrl}/api/stations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: adminCookie },
        body: JSON.stringify({ name }),
      }),
    );
    const key = generateSigningKeyPair();
    const request = {
      type: 'polder.station-enrolment-request.v1' as const,
      token: created.enrolmentToken as string,
      stationPublicKey: key.publicKey,
      stationName: name,
      stationVersion: '0.1.0',
    };
    const enrolled = await json(
      await fetch(`${baseUrl}/api/station-enrolment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(signEnvelope(request, key)),
      }),
    );
    const payload = enrolled.payload as { stationId: string; hubPublicKey: string };
    const station = new TestStationClient(baseUrl, payload.stationId, key, payload.hubPublicKey);
    await station.authenticate();
    return station;
  }

  /** Signs a fresh challenge and keeps the session token. */
  async authenticate(): Promise<void> {
    const challenge = await json(await this.#post('/api/station-auth/challenge', { stationId: this.id }));
    const nonce = (challenge.payload as { nonce: string }).nonce;
    const signature = signText(this.key, stationAuthText(this.id, nonce));
    const session = openEnvelope(
      await json(await this.#post('/api/station-auth/response', { stationId: this.id, nonce, signature })),
      { publicKey: this.hubPublicKey, schema: StationSession },
    );
    this.token = session.token;
  }

  /** Opens the station link; resolves when it is open (rejects with the hub's status when refused). */
  async connect(options: { readonly token?: string | null } = {}): Promise<void> {
    const token = options.token === undefined ? this.token : options.token;
    const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/station-link`, {
      headers: token === null ? {} : { [stationSessionHeader]: token },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`station link refused: ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as StationLinkMessage;
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      this.messages.push(message);
      for (const wake of this.#waiters) wake();
    });
    this.#socket = socket;
  }

  /** Opens the link unless it is open. */
  async ensureConnected(): Promise<void> {
    if (this.#socket?.readyState === WebSocket.OPEN) return;
    await this.connect();
  }

  /** Closes the link and waits until it is closed. */
  async disconnect(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }

  /** The first message (from the start of the link's life) that `accept` takes, waiting up to `timeoutMs`. */
  async waitFor<T extends StationLinkMessage>(
    accept: (message: StationLinkMessage) => message is T,
    timeoutMs = 5000,
  ): Promise<T> {
    const found = () => this.messages.find(accept);
    const now = found();
    if (now !== undefined) return now;
    return new Promise<T>((resolve, reject) => {
      const wake = () => {
        const message = found();
        if (message === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`station ${this.id}: no such message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** The task offer for `runId` (and `round`) pushed over the link, checked against the hub key. */
  async offerFor(runId: string, round = 0): Promise<TaskOffer> {
    const message = await this.waitFor(
      (m): m is Extract<StationLinkMessage, { type: 'task' }> =>
        m.type === 'task' && m.offer.payload.runId === runId && m.offer.payload.round === round,
    );
    return openEnvelope(message.offer, { publicKey: this.hubPublicKey, schema: TaskOffer });
  }

  /** GET a station route with the session token. */
  async get(path: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { headers: { [stationSessionHeader]: this.token } });
  }

  /** The re-sync list, each offer checked against the hub key. */
  async openTasks(): Promise<TaskOffer[]> {
    const body = (await json(await this.get('/api/station-tasks'))) as { tasks: unknown[] };
    return body.tasks.map((offer) =>
      openEnvelope(offer as SignedTaskOffer, { publicKey: this.hubPublicKey, schema: TaskOffer }),
    );
  }

  /** A result of `offer` signed with this station's key (or `key`). */
  signResult(
    offer: TaskOffer,
    answer: Pick<TaskResult, 'status' | 'output' | 'disclosure' | 'problem'> & { durationMs?: number },
    key: SigningKeyPair = this.key,
  ): SignedTaskResult {
    const { durationMs, ...rest } = answer;
    const result: TaskResult = {
      type: 'polder.task-result.v1',
      taskId: offer.taskId,
      stationId: this.id,
      completedAt: new Date().toISOString(),
      durationMs: durationMs ?? 12,
      ...rest,
    };
    return signEnvelope(result, key) as SignedTaskResult;
  }

  /** POSTs a signed result of a task. */
  async postResult(taskId: string, envelope: SignedTaskResult): Promise<Response> {
    return fetch(`${this.baseUrl}/api/station-tasks/${taskId}/result`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [stationSessionHeader]: this.token },
      body: JSON.stringify(envelope),
    });
  }

  async #post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`hub answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}
