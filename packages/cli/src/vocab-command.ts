import { Command } from 'commander';
import { loadVocabulary } from '@polder/omop';
import { openStationStore } from '@polder/station';

/** `polder vocab load DIR`: loads an Athena vocabulary download into a station. */
export function vocabCommand(): Command {
  const vocab = new Command('vocab').description('manage the OMOP vocabulary of a station');
  vocab
    .command('load')
    .description(
      'load an OMOP vocabulary in the Athena download layout (tab-separated CONCEPT.csv, CONCEPT_RELATIONSHIP.csv, …)',
    )
    .argument('<dir>', 'directory with the Athena files')
    .requiredOption('--station <dir>', 'station directory')
    .action(async (dir: string, options: { station: string }) => {
      const store = await openStationStore(options.station);
      try {
        const report = await loadVocabulary(store.connection, dir);
        for (const table of report.tables) {
          if (table.status === 'absent') continue;
          const detail =
            table.status === 'failed' ? `FAILED: ${table.error ?? 'unknown error'}` : `${table.rows} rows`;
          process.stdout.write(
            `${table.table.padEnd(24)} ${detail} (${(table.durationMs / 1000).toFixed(1)} s)\n`,
          );
        }
        process.stdout.write(
          `vocabulary ${report.ok ? 'loaded' : 'loaded with errors'} in ${(report.durationMs / 1000).toFixed(1)} s\n`,
        );
        if (!report.ok) process.exitCode = 1;
      } finally {
        store.close();
      }
    });
  return vocab;
}
