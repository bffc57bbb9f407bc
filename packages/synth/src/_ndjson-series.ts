import { join } from 'node:path';
import { BufferedWriter } from './_buffered-writer.ts';
import type { GeneratedFile } from './generate-hospital.ts';

/** NDJSON output of one resource type, split into `<Type>.000.ndjson`, `.001`, … every `linesPerFile` lines. */
export class NdjsonSeries {
  readonly #outDir: string;
  readonly #type: string;
  readonly #linesPerFile: number;
  #writer: BufferedWriter | undefined;
  #part = 0;
  #lines = 0;
  readonly files: GeneratedFile[] = [];

  constructor(outDir: string, type: string, linesPerFile: number) {
    this.#outDir = outDir;
    this.#type = type;
    this.#linesPerFile = linesPerFile;
  }

  async write(line: string): Promise<void> {
    if (this.#writer === undefined || this.#lines === this.#linesPerFile) {
      await this.#rotate();
    }
    this.#writer?.write(line);
    this.#lines++;
  }

  /** The path relative to the output directory of part `n`. */
  #name(n: number): string {
    return `${this.#type}.${String(n).padStart(3, '0')}.ndjson`;
  }

  async #rotate(): Promise<void> {
    if (this.#writer !== undefined) {
      await this.#writer.close();
      this.files.push({ path: this.#name(this.#part), records: this.#lines });
      this.#part++;
    }
    this.#writer = new BufferedWriter(join(this.#outDir, this.#name(this.#part)));
    this.#lines = 0;
  }

  async flushIfFull(): Promise<void> {
    await this.#writer?.flushIfFull();
  }

  async close(): Promise<void> {
    if (this.#writer === undefined) return;
    await this.#writer.close();
    this.files.push({ path: this.#name(this.#part), records: this.#lines });
    this.#writer = undefined;
  }
}
