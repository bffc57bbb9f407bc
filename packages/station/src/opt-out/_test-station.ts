import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestIntoStation } from '../ingest-sources.ts';
import type { StationStore } from '../station-store.ts';

/**
 * Ingests a minimal CSV export of patients with the given patient numbers into `store` (source ids
 * `Patient/<number>`), for the opt-out tests: small enough to load in well under a second.
 */
export async function ingestTestPatients(
  store: StationStore,
  numbers: readonly string[],
  dir: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'mapping.json'),
    JSON.stringify({
      source: 'hospital-test',
      files: [
        { path: 'p.csv', kind: 'person', resourceType: 'Patient', id: 'id', columns: { birthDate: 'dob' } },
      ],
    }),
  );
  await writeFile(join(dir, 'p.csv'), `id,dob\n${numbers.map((n) => `${n},1970-01-01`).join('\n')}\n`);
  await ingestIntoStation(store, [dir], { sourceName: 'hospital-test' });
}

/** The person_id of a test patient, through the source-id map. */
export async function personIdOf(store: StationStore, number: string): Promise<number> {
  const row = (
    await store.connection.runAndReadAll(
      `SELECT row_id FROM polder.source_record WHERE target_table = 'person' AND source_id = $id`,
      { id: `Patient/${number}` },
    )
  ).getRowsJS()[0];
  if (row === undefined) throw new Error(`no test patient ${number}`);
  return Number(row[0]);
}
