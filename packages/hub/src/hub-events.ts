import { EventEmitter } from 'node:events';

/**
 * What one part of the hub tells another without importing it: access tells the federation that a permit
 * was revoked or a data request approved. Each event's payload is listed here; add yours as a line.
 * In-process only: a second hub process on the same PostgreSQL learns of changes from the database.
 */
export interface HubEventMap {
  /** A permit was revoked: stations must refuse it at once. */
  'permit-revoked': { readonly permitId: string; readonly revokedAt: Date };
  /** A data request (EHDS Art. 69) was approved: its statistics are to be computed by the federation. */
  'data-request-approved': { readonly applicationId: string; readonly permitId: string };
}

/** A typed in-process event bus; listeners run synchronously and must not throw (errors are logged). */
export class HubEvents {
  readonly #emitter = new EventEmitter();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on<K extends keyof HubEventMap>(event: K, listener: (payload: HubEventMap[K]) => void): () => void {
    const wrapped = (payload: HubEventMap[K]): void => {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    };
    this.#emitter.on(event, wrapped);
    return () => this.#emitter.off(event, wrapped);
  }

  emit<K extends keyof HubEventMap>(event: K, payload: HubEventMap[K]): void {
    this.#emitter.emit(event, payload);
  }
}
