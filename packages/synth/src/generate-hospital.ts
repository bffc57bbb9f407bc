import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NdjsonSeries } from './_ndjson-series.ts';
import { emitPatientResources, organizationResource, type FhirContext } from './_fhir.ts';
import { writeHospitalC } from './_hospital-c.ts';
import { HOSPITAL_PROFILES, type HospitalId } from './_profiles.ts';
import { Prng, mixSeed } from './_prng.ts';
import { simulatePatient } from './_simulate.ts';

/** Options of `generateHospital`. */
export interface GenerateHospitalOptions {
  /** Which hospital (and so which case mix and source format): A = FHIR Bundles, B = Bulk NDJSON, C = CSV. */
  readonly hospital: HospitalId;
  /** Number of patients to generate (a non-negative integer). */
  readonly patients: number;
  /** Seed of the generator; the same seed and options give byte-identical files. @default 1 */
  readonly seed?: number;
  /** Directory to write into (created if missing). Existing files of the same name are overwritten. */
  readonly outDir: string;
  /** Called after each patient with the number done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One file written. */
export interface GeneratedFile {
  /** Path relative to `outDir`. */
  readonly path: string;
  /** Resources (lines, bundles' entries, CSV rows without header) in the file. */
  readonly records: number;
}

/** What `generateHospital` wrote. */
export interface GenerationSummary {
  readonly hospital: HospitalId;
  readonly format: 'fhir-bundles' | 'fhir-ndjson' | 'csv';
  readonly patients: number;
  readonly seed: number;
  readonly outDir: string;
  /**
   * What to hand to an ingest: `outDir/bundles` (A: a directory of Bundles), `outDir` (B: the NDJSON files;
   * `export.json` there is the Bulk Data manifest, not a resource), `outDir/mapping.json` (C: the CSV config).
   */
  readonly ingestPath: string;
  /** Records per resource type (FHIR) or per CSV file kind. */
  readonly counts: Readonly<Record<string, number>>;
  /** Sum of `counts`. */
  readonly totalRecords: number;
  /** Files written (for hospital A: the bundles directory counts as one entry). */
  readonly files: readonly GeneratedFile[];
  /** Wall-clock time taken, in milliseconds (not part of the generated data). */
  readonly elapsedMs: number;
}

/**
 * Average records per patient (FHIR resources for A and B, where A's count includes the Organization entry
 * of every Bundle; CSV rows for C), measured over 6,000 patients for each of five seeds; one seed's figure
 * lies within about 3 % of it.
 */
export const RECORDS_PER_PATIENT: Readonly<Record<HospitalId, number>> = Object.freeze({
  A: 291,
  B: 126,
  C: 193,
});

/**
 * How many patients to generate for at least `records` records (FHIR resources or CSV rows), whatever the
 * seed: the average of `RECORDS_PER_PATIENT` with a 5 % margin.
 *
 * @example
 * patientsForRecords('B', 1_000_000); // 8355: ≥ 1M Bulk NDJSON resources for the ingest benchmark
 */
export function patientsForRecords(hospital: HospitalId, records: number): number {
  return Math.ceil(records / (0.95 * RECORDS_PER_PATIENT[hospital]));
}

/** NDJSON files are split every this many lines (`Observation.000.ndjson`, `Observation.001.ndjson`, …). */
export const NDJSON_LINES_PER_FILE = 500_000;

/** Bulk export manifest `transactionTime`: fixed, so that the output does not depend on the clock. */
const EXPORT_TIME = '2026-01-01T00:00:00Z';

/**
 * Generates one synthetic hospital's source export into `outDir`, one patient at a time, in constant memory.
 *
 * - A: FHIR R4 transaction Bundles, one JSON file per patient, in `outDir/bundles/`.
 * - B: FHIR Bulk Data NDJSON (`<Type>.000.ndjson`) and `export.json` in `outDir`.
 * - C: semicolon-separated CSV with local codes, `stcm.csv` (source_to_concept_map) and `mapping.json`.
 *
 * @example
 * const summary = await generateHospital({ hospital: 'B', patients: 1000, seed: 7, outDir: 'out/b' });
 * summary.counts.Observation; // number of Observation resources written
 */
export async function generateHospital(options: GenerateHospitalOptions): Promise<GenerationSummary> {
  const { hospital, patients, outDir, onProgress } = options;
  const seed = options.seed ?? 1;
  if (!(hospital in HOSPITAL_PROFILES)) {
    throw new RangeError(`Cannot generate hospital "${String(hospital)}": choose A, B or C`);
  }
  if (!Number.isSafeInteger(patients) || patients < 0) {
    throw new RangeError(`Cannot generate ${patients} patients: give a non-negative integer`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`Cannot use seed ${seed}: give an integer`);
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  const run = { hospital, patients, seed, outDir, onProgress };
  const result =
    hospital === 'A'
      ? await writeHospitalA(run)
      : hospital === 'B'
        ? await writeHospitalB(run)
        : await writeHospitalC(run);
  let totalRecords = 0;
  for (const n of Object.values(result.counts)) totalRecords += n;
  return {
    hospital,
    format: hospital === 'A' ? 'fhir-bundles' : hospital === 'B' ? 'fhir-ndjson' : 'csv',
    patients,
    seed,
    outDir,
    ingestPath:
      hospital === 'A' ? join(outDir, 'bundles') : hospital === 'B' ? outDir : join(outDir, 'mapping.json'),
    counts: result.counts,
    totalRecords,
    files: result.files,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** What each hospital writer gets. */
export interface HospitalRun {
  readonly hospital: HospitalId;
  readonly patients: number;
  readonly seed: number;
  readonly outDir: string;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
}

export interface HospitalResult {
  readonly counts: Record<string, number>;
  readonly files: GeneratedFile[];
}

function organizationIdFor(hospital: HospitalId, seed: number): string {
  return new Prng(mixSeed(seed, hospital.charCodeAt(0), 0x0a9)).uuid();
}

const count = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

async function writeHospitalA(run: HospitalRun): Promise<HospitalResult> {
  const dir = join(run.outDir, 'bundles');
  await mkdir(dir, { recursive: true });
  const profile = HOSPITAL_PROFILES.A;
  const ctx: FhirContext = {
    profile,
    organizationId: organizationIdFor('A', run.seed),
    reference: (_type, id) => `urn:uuid:${id}`,
  };
  const organization = JSON.stringify(organizationResource(ctx));
  const organizationEntry =
    `{"fullUrl":"urn:uuid:${ctx.organizationId}","resource":${organization},` +
    `"request":{"method":"POST","url":"Organization","ifNoneExist":"identifier=https://polder.example/organization|hospital-A"}}`;
  const counts: Record<string, number> = {};
  const files: GeneratedFile[] = [];
  for (let i = 0; i < run.patients; i++) {
    const p = simulatePatient('A', run.seed, i);
    const entries: string[] = [organizationEntry];
    count(counts, 'Organization');
    emitPatientResources(p, ctx, (type, id, json) => {
      entries.push(
        `{"fullUrl":"urn:uuid:${id}","resource":${json},"request":{"method":"POST","url":"${type}"}}`,
      );
      count(counts, type);
    });
    const name = `${p.given}_${p.family.replace(/ /g, '_')}_${p.id}.json`;
    await writeFile(
      join(dir, name),
      `{"resourceType":"Bundle","type":"transaction","entry":[${entries.join(',')}]}\n`,
    );
    files.push({ path: `bundles/${name}`, records: entries.length });
    run.onProgress?.(i + 1, run.patients);
  }
  return { counts, files };
}

/** Resource types in the order the bulk manifest lists them. */
const BULK_TYPES = [
  'Organization',
  'Patient',
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationAdministration',
  'Procedure',
] as const;

async function writeHospitalB(run: HospitalRun): Promise<HospitalResult> {
  const profile = HOSPITAL_PROFILES.B;
  const ctx: FhirContext = {
    profile,
    organizationId: organizationIdFor('B', run.seed),
    reference: (type, id) => `${type}/${id}`,
  };
  const series = new Map<string, NdjsonSeries>();
  for (const type of BULK_TYPES) series.set(type, new NdjsonSeries(run.outDir, type, NDJSON_LINES_PER_FILE));
  const counts: Record<string, number> = {};
  const pending: [string, string][] = [];
  const put = async (type: string, json: string): Promise<void> => {
    const s = series.get(type);
    if (s === undefined) throw new Error(`Cannot write resource type ${type}: not a bulk output type`);
    await s.write(json + '\n');
    count(counts, type);
  };
  await put('Organization', JSON.stringify(organizationResource(ctx)));
  for (let i = 0; i < run.patients; i++) {
    const p = simulatePatient('B', run.seed, i);
    pending.length = 0;
    emitPatientResources(p, ctx, (type, _id, json) => pending.push([type, json]));
    for (const [type, json] of pending) await put(type, json);
    for (const s of series.values()) await s.flushIfFull();
    run.onProgress?.(i + 1, run.patients);
  }
  const files: GeneratedFile[] = [];
  for (const s of series.values()) {
    await s.close();
    files.push(...s.files);
  }
  const manifest = {
    transactionTime: EXPORT_TIME,
    request: `https://fhir.hospital-b.polder.example/$export?_type=${BULK_TYPES.join(',')}`,
    requiresAccessToken: false,
    output: files.map((f) => ({ type: f.path.split('.')[0], url: f.path, count: f.records })),
    error: [],
  };
  await writeFile(join(run.outDir, 'export.json'), JSON.stringify(manifest, null, 2) + '\n');
  files.push({ path: 'export.json', records: 0 });
  return { counts, files };
}
