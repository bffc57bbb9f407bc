import { Command } from 'commander';
import { formatIngestReport } from '@polder/etl';
import { ingestIntoStation, openStationStore } from '@polder/station';
import { startProgress } from './progress.ts';

/** `polder ingest`: reads source exports into a station's OMOP tables. */
export function ingestCommand(): Command {
  return new Command('ingest')
    .description(
      'ingest source exports into a station: FHIR R4 Bundles or Bulk NDJSON (file or directory), or CSV through a mapping config (mapping.json or its directory)',
    )
    .argument('<source...>', 'files or directories to ingest')
    .requiredOption('--station <dir>', 'station directory (created on first use)')
    .option(
      '--source-name <name>',
      'name of the source system; re-ingesting under the same name updates rows instead of adding them (default: the station name)',
    )
    .option('--json', 'print the ingest report as JSON on stdout')
    .action(async (sources: string[], options: { station: string; sourceName?: string; json?: boolean }) => {
      const store = await openStationStore(options.station);
      const progress = startProgress('ingest: records read');
      try {
        const report = await ingestIntoStation(store, sources, {
          ...(options.sourceName === undefined ? {} : { sourceName: options.sourceName }),
          onProgress: (read) => progress.update(read),
        });
        progress.stop();
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatIngestReport(report)}\n`,
        );
      } finally {
        store.close();
      }
    });
}
