import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const file = 'published-datasets.json';

/**
 * The catalogue dataset ids this station has published (from the hub's signed receipts), kept in
 * `published-datasets.json` in the station directory. The station service refuses a permit that names none
 * of them: a permit for another dataset is not a permit for this one.
 */
export async function readPublishedDatasets(station: { readonly dir: string }): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(station.dir, file), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`Cannot read the station's published datasets: ${file} is unreadable`, { cause: error });
  }
}

/** Adds a dataset id (from a publication receipt) to the station's published datasets; idempotent. */
export async function recordPublishedDataset(
  station: { readonly dir: string },
  datasetId: string,
): Promise<void> {
  const ids = await readPublishedDatasets(station);
  if (ids.includes(datasetId)) return;
  const path = join(station.dir, file);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify([...ids, datasetId], null, 2)}\n`);
  await rename(temporary, path);
}
