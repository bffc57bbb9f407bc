import { Command, InvalidArgumentError } from 'commander';
import { generateHospital, type HospitalId } from '@polder/synth';
import { startProgress } from './progress.ts';

/** Parses a positive integer option, or says which option is wrong and why. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 0`);
  return n;
}

function parseHospital(value: string): HospitalId {
  const upper = value.toUpperCase();
  if (upper !== 'A' && upper !== 'B' && upper !== 'C') {
    throw new InvalidArgumentError(
      `'${value}' is not a hospital: choose A (FHIR Bundles), B (FHIR NDJSON) or C (CSV)`,
    );
  }
  return upper;
}

/** `polder synth`: writes one synthetic hospital's source export. */
export function synthCommand(): Command {
  return new Command('synth')
    .description(
      'generate a synthetic hospital export: A = FHIR R4 Bundles, B = FHIR Bulk NDJSON, C = CSV with local codes',
    )
    .requiredOption('--patients <n>', 'number of patients', parseCount)
    .requiredOption('--hospital <A|B|C>', 'which hospital (decides case mix and format)', parseHospital)
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--seed <n>', 'seed; the same seed gives byte-identical output', parseCount, 1)
    .action(async (options: { patients: number; hospital: HospitalId; out: string; seed: number }) => {
      const progress = startProgress(`hospital ${options.hospital}: patients`, options.patients);
      const summary = await generateHospital({
        hospital: options.hospital,
        patients: options.patients,
        seed: options.seed,
        outDir: options.out,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.stop();
      process.stderr.write(
        `hospital ${summary.hospital}: ${summary.patients} patients, ${summary.totalRecords} records (${summary.format}) ` +
          `in ${(summary.elapsedMs / 1000).toFixed(1)} s → ${summary.outDir}\n`,
      );
      for (const [type, count] of Object.entries(summary.counts))
        process.stderr.write(`  ${type.padEnd(28)} ${count}\n`);
    });
}
