/** Test helpers: where the shared real data lives, and collecting a reader's outputs. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReaderOutput } from '../source-event.ts';

/** `../shared/data` beside the repository (see its README.md). */
export const SHARED_DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

/** The path of a folder of the shared real data; throws a clear error when it is absent. */
export function sharedData(folder: string): string {
  const path = `${SHARED_DATA}${folder}`;
  if (!existsSync(path)) {
    throw new Error(
      `Cannot find the real test data ${path}: these tests read ../shared/data beside the repository (see its README.md)`,
    );
  }
  return path;
}

export async function collect(outputs: AsyncIterable<ReaderOutput>): Promise<ReaderOutput[]> {
  const all: ReaderOutput[] = [];
  for await (const o of outputs) all.push(o);
  return all;
}

/** The record identity of any output (events and invalid records carry it; FHIR skipped records too). */
export function recordIdOf(o: ReaderOutput): string | undefined {
  if (o.kind === 'skipped' || o.kind === 'invalid') return (o as { recordId?: string }).recordId;
  return o.recordId;
}
