import { sql } from 'kysely';
import type { AccessDb } from './application-store.ts';

/**
 * Answers read queries of the access procedure (register pages, queue pages) from memory while nothing they
 * depend on has changed. Freshness is checked on every read with one tiny query: the versions that triggers
 * bump on every statement changing applications, reviewers, permits (`access_version`) or the catalogue
 * (`catalogue_version`, for dataset titles). So a change made by any hub process shows at once, and between
 * changes a page costs one primary-key read instead of its full query. At most `maxEntries` pages are
 * kept (least recently used go first).
 */
export class AccessReadCache {
  readonly #entries = new Map<string, { version: string; value: unknown }>();
  readonly #maxEntries: number;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 500;
  }

  /** The value of `load()` for `key`, from memory when the data it reads has not changed since. */
  async get<T>(db: AccessDb, key: string, load: () => Promise<T>): Promise<T> {
    const version = await currentVersion(db);
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.version === version) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.value as T;
    }
    const value = await load();
    // A change committed while loading leaves a newer version: the entry is then simply not reused.
    this.#entries.set(key, { version, value });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }
}

async function currentVersion(db: AccessDb): Promise<string> {
  const result = await sql<{ access: string | number; catalogue: string | number }>`
    select a.version as access, c.version as catalogue
    from access_version a, catalogue_version c where a.id = 1 and c.id = 1
  `.execute(db);
  const row = result.rows[0];
  return row === undefined ? '' : `${row.access}:${row.catalogue}`;
}
