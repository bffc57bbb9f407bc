/**
 * `npm run bench`: every capability's benchmark, one after the other, each a script of its own that prints
 * one JSON line per figure (docs/benchmarks.md holds the measured ones and their targets).
 *
 *   npm run bench                                  all of them, with their default sizes (about 10 minutes)
 *   npm run bench -- catalogue --engine pglite     one of them, with that script's own options after its name
 *
 * Capabilities: data-path (synth, FHIR ingest, data quality), catalogue (search at 50 clients), access
 * (reviewer's queue and public register), analytics (algorithms in process), federation (hub and three
 * station processes, end to end). A benchmark that fails is reported and the others still run; the exit
 * code says whether all of them finished.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benchmarks = {
  'data-path': 'bench-data-path.ts',
  catalogue: 'bench-catalogue.ts',
  access: 'bench-access.ts',
  analytics: 'bench-analytics.ts',
  federation: 'bench-federation.ts',
} as const;
type Capability = keyof typeof benchmarks;

const isCapability = (name: string | undefined): name is Capability =>
  name !== undefined && Object.hasOwn(benchmarks, name);

const [first, ...rest] = process.argv.slice(2);
if (first !== undefined && !isCapability(first)) {
  console.error(
    `Unknown benchmark '${first}': name one of ${Object.keys(benchmarks).join(', ')}, or none to run them all`,
  );
  process.exit(2);
}
const chosen: readonly Capability[] =
  first === undefined ? (Object.keys(benchmarks) as Capability[]) : [first];
const scripts = new URL('.', import.meta.url).pathname;
const failed: string[] = [];
for (const capability of chosen) {
  // Each in a process of its own (through tsx, as `npx tsx scripts/…` runs it), so one's memory and event
  // loop do not weigh on the next one's figures.
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(scripts, benchmarks[capability]), ...(first === undefined ? [] : rest)],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) {
    failed.push(capability);
    console.error(`benchmark ${capability} did not finish (${run.error?.message ?? `exit ${run.status}`})`);
  }
}
process.exit(failed.length === 0 ? 0 : 1);
