import type { WebSocket } from 'ws';
import type { SignedPermitRevocationList, SignedTaskOffer } from '@polder/protocol';

/** A frame the hub sends a station over the link (JSON text). */
export type StationLinkMessage =
  | { readonly type: 'task'; readonly offer: SignedTaskOffer }
  | { readonly type: 'revocations'; readonly list: SignedPermitRevocationList }
  | { readonly type: 'ping' };

/** Options of {@link StationLink}. */
export interface StationLinkOptions {
  /** How often each connected station is pinged; a station that has not answered the previous ping by then is dropped. @default 30000 */
  readonly pingIntervalMs?: number;
  /** Called on each ping round with the connected stations; answers those no longer allowed to stay (revoked). */
  readonly stationsToDrop?: (stationIds: readonly string[]) => Promise<readonly string[]>;
  /** Where to report what goes wrong (a socket that errors, a check that fails). */
  readonly log?: (message: string, error?: unknown) => void;
}

interface Connection {
  readonly socket: WebSocket;
  awaitingPong: boolean;
}

/**
 * The registry of stations connected over `GET /api/station-link`: pushes task offers and revocation lists
 * to them, pings them, and drops those that stop answering. A station may hold several sockets (a reconnect
 * that overlaps the old socket's end); each message goes to all of them, which is harmless because task ids
 * make execution idempotent. The socket is a hint: what is not delivered is found by REST re-sync.
 */
export class StationLink {
  readonly #connections = new Map<string, Set<Connection>>();
  readonly #timer: NodeJS.Timeout;
  readonly #options: StationLinkOptions;

  constructor(options: StationLinkOptions = {}) {
    this.#options = options;
    this.#timer = setInterval(() => void this.#pingRound(), options.pingIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  /** Registers a station's socket; it leaves the registry when it closes. */
  connect(stationId: string, socket: WebSocket): void {
    const connection: Connection = { socket, awaitingPong: false };
    let set = this.#connections.get(stationId);
    if (set === undefined) {
      set = new Set();
      this.#connections.set(stationId, set);
    }
    set.add(connection);
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        message = undefined;
      }
      if ((message as { type?: unknown } | undefined)?.type === 'pong') {
        connection.awaitingPong = false;
        return;
      }
      // Results go over REST; anything else on the socket is a station that does not speak the protocol.
      socket.close(1008, 'only {"type":"pong"} is accepted on the station link');
    });
    socket.on('close', () => {
      set.delete(connection);
      if (set.size === 0 && this.#connections.get(stationId) === set) this.#connections.delete(stationId);
    });
    socket.on('error', (error) => this.#options.log?.(`station link of ${stationId} failed`, error));
  }

  /** Whether the station has an open socket. */
  isConnected(stationId: string): boolean {
    return (this.#connections.get(stationId)?.size ?? 0) > 0;
  }

  /** The stations with an open socket. */
  connectedStations(): string[] {
    return [...this.#connections.keys()];
  }

  /** Sends `message` to the station's sockets; false when it has none (it will re-sync over REST). */
  send(stationId: string, message: StationLinkMessage): boolean {
    const set = this.#connections.get(stationId);
    if (set === undefined || set.size === 0) return false;
    const text = JSON.stringify(message);
    for (const connection of set) this.#write(connection, text);
    return true;
  }

  /** Sends `message` to every connected station at once. */
  broadcast(message: StationLinkMessage): void {
    const text = JSON.stringify(message);
    for (const set of this.#connections.values()) for (const connection of set) this.#write(connection, text);
  }

  /** Closes every socket with `code` (1001: the hub is going away). */
  disconnectStation(stationId: string, code = 1008, reason = 'station revoked'): void {
    for (const connection of this.#connections.get(stationId) ?? []) connection.socket.close(code, reason);
  }

  /** Stops pinging and closes every socket. */
  close(): void {
    clearInterval(this.#timer);
    for (const set of this.#connections.values()) {
      for (const connection of set) connection.socket.close(1001, 'hub shutting down');
    }
    this.#connections.clear();
  }

  #write(connection: Connection, text: string): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    connection.socket.send(text, (error) => {
      if (error !== undefined && error !== null) this.#options.log?.('cannot write to a station link', error);
    });
  }

  async #pingRound(): Promise<void> {
    for (const [, set] of this.#connections) {
      for (const connection of set) {
        if (connection.awaitingPong) {
          connection.socket.terminate();
          continue;
        }
        connection.awaitingPong = true;
        this.#write(connection, JSON.stringify({ type: 'ping' }));
      }
    }
    const check = this.#options.stationsToDrop;
    if (check === undefined || this.#connections.size === 0) return;
    try {
      for (const stationId of await check(this.connectedStations())) this.disconnectStation(stationId);
    } catch (error) {
      this.#options.log?.('cannot check the connected stations', error);
    }
  }
}
