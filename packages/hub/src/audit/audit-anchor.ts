import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

/** A head of the audit log as it was seen at a moment: its newest row's number and hash. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
  /** When it was seen, ISO 8601. */
  readonly at: string;
}

/**
 * Writes the audit log's head to a file outside the database, now and then, so that removing the newest
 * rows — which leaves a valid, shorter chain — is caught: `polder audit verify --anchors FILE` finds that
 * a row the file names is gone or differs. The file is JSON lines, appended to (several hub processes can
 * share one: each line is one small append). Keep it where the database's administrators cannot rewrite
 * it (another volume, a log shipper); rows newer than the last line written are not covered.
 */
export class AuditAnchoring {
  readonly #db: Kysely<Database>;
  readonly #file: string;
  readonly #now: () => Date;
  #lastSeq = -1;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<AuditAnchor | null> | undefined;

  constructor(db: Kysely<Database>, file: string, options: { readonly now?: () => Date } = {}) {
    this.#db = db;
    this.#file = file;
    this.#now = options.now ?? (() => new Date());
  }

  /** Appends the current head, unless it is the one appended last. Returns what was written, if anything. */
  anchor(): Promise<AuditAnchor | null> {
    this.#writing ??= this.#anchor().finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  async #anchor(): Promise<AuditAnchor | null> {
    const head = await this.#db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (head === undefined || Number(head.seq) === this.#lastSeq) return null;
    const anchor: AuditAnchor = { seq: Number(head.seq), hash: head.hash, at: this.#now().toISOString() };
    appendFileSync(this.#file, `${JSON.stringify(anchor)}\n`, { mode: 0o600 });
    this.#lastSeq = anchor.seq;
    return anchor;
  }

  /** Anchors every `intervalMs` until {@link stop}; errors go to `onError` and the next tick tries again. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer ??= setInterval(() => void this.anchor().catch(onError), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and writes a last anchor (call before closing the database). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.anchor();
  }
}

/**
 * Reads an anchor file.
 * @throws Error naming the line when a line is not an anchor
 */
export function readAuditAnchors(file: string): AuditAnchor[] {
  if (!existsSync(file)) throw new Error(`Cannot read audit anchors: ${file} does not exist`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (line.trim() === '') return [];
      let anchor: unknown;
      try {
        anchor = JSON.parse(line);
      } catch {
        anchor = undefined;
      }
      const a = anchor as Partial<AuditAnchor> | undefined;
      if (
        typeof a?.seq !== 'number' ||
        !Number.isSafeInteger(a.seq) ||
        typeof a.hash !== 'string' ||
        !/^[0-9a-f]{64}$/.test(a.hash)
      ) {
        throw new Error(`Cannot read audit anchors: line ${i + 1} of ${file} is not an anchor`);
      }
      return [{ seq: a.seq, hash: a.hash, at: String(a.at ?? '') }];
    });
}
