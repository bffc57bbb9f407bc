import { hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bufferSize = 1 << 20;

/**
 * An append-only temporary file of the original record texts of one ingest run.
 *
 * Why not a DuckDB column: a million FHIR resources are about 1 GB of text, and staging it in DuckDB cost
 * more memory than the whole run may use. Only the few records that end in quarantine need their text back,
 * so the stager writes each text here once, keeps (offset, length) in its staging rows, and the loader reads
 * back just the quarantined ones. The content hash is computed on the same bytes: SHA-1, twice as fast as
 * MD5 on a CPU with SHA instructions, and a one-shot `hash()` (a `createHash()` per record cost more than
 * the hashing itself).
 */
export class RawSpool {
  /** The run's temporary directory (deleted by `dispose`). */
  readonly directory: string;
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(bufferSize);
  #used = 0;
  #flushed = 0;
  /** Offset of the text written last, in bytes. */
  offset = 0;
  /** Length of the text written last, in bytes. */
  length = 0;
  /** SHA-1 of the text written last. */
  hash: Buffer = Buffer.alloc(16);

  constructor(parentDirectory: string = tmpdir()) {
    this.directory = mkdtempSync(join(parentDirectory, 'polder-ingest-'));
    this.#fd = openSync(join(this.directory, 'raw.spool'), 'w+');
  }

  /** Appends a text; its offset, length and hash are left in `offset`, `length`, `hash`. */
  write(text: string): void {
    // A UTF-8 byte takes at most 3 bytes per UTF-16 unit, so this check never under-estimates.
    if (this.#used + text.length * 3 > bufferSize) this.#flush();
    if (text.length * 3 > bufferSize) {
      const bytes = Buffer.from(text, 'utf8');
      this.offset = this.#flushed;
      this.length = bytes.length;
      this.hash = hash('sha1', bytes, 'buffer');
      writeSync(this.#fd, bytes, 0, bytes.length, this.#flushed);
      this.#flushed += bytes.length;
      return;
    }
    const written = this.#buffer.write(text, this.#used, 'utf8');
    this.offset = this.#flushed + this.#used;
    this.length = written;
    // One-shot hash(): createHash() per record cost more than the hashing itself.
    this.hash = hash('sha1', this.#buffer.subarray(this.#used, this.#used + written), 'buffer');
    this.#used += written;
  }

  /** Reads a text back. */
  read(offset: number, length: number): string {
    this.#flush();
    const bytes = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const count = readSync(this.#fd, bytes, done, length - done, offset + done);
      if (count === 0) break;
      done += count;
    }
    return bytes.toString('utf8', 0, done);
  }

  /** Closes and deletes the spool file. */
  dispose(): void {
    closeSync(this.#fd);
    rmSync(this.directory, { recursive: true, force: true });
  }

  #flush(): void {
    if (this.#used === 0) return;
    let done = 0;
    while (done < this.#used)
      done += writeSync(this.#fd, this.#buffer, done, this.#used - done, this.#flushed + done);
    this.#flushed += this.#used;
    this.#used = 0;
  }
}
