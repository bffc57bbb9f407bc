import { createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_AT = 1 << 20;

/**
 * Collects text in memory and writes it to a file in chunks of about 1 MiB, waiting for the stream to drain
 * when the disk is slower than the generator (back-pressure), so memory stays bounded.
 */
export class BufferedWriter {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #encoding: BufferEncoding;
  #parts: string[] = [];
  #size = 0;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** `encoding` is how text becomes bytes: 'utf8' (default) or 'latin1' (ISO-8859-1, as old hospital systems). */
  constructor(path: string, encoding: BufferEncoding = 'utf8') {
    this.path = path;
    this.#encoding = encoding;
    this.#stream = createWriteStream(path);
    this.#stream.on('error', (err) => {
      this.#error = err;
      this.#wake?.();
    });
  }

  /** Appends text; call `flushIfFull` now and then to let it reach the disk. */
  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
  }

  /** Writes the buffer out when it holds more than about 1 MiB. */
  async flushIfFull(): Promise<void> {
    if (this.#size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    this.#throwIfFailed();
    if (this.#size === 0) return;
    const chunk = Buffer.from(this.#parts.join(''), this.#encoding);
    this.#parts = [];
    this.#size = 0;
    if (!this.#stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#stream.once('drain', resolve);
      });
      this.#wake = undefined;
      this.#throwIfFailed();
    }
  }

  #throwIfFailed(): void {
    const error = this.#error;
    if (error) throw new Error(`Cannot write ${this.path}: ${error.message}`, { cause: error });
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#stream.end(resolve);
    });
    this.#throwIfFailed();
  }
}
