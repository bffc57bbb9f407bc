import { join } from 'node:path';
import { Command } from 'commander';
import { formatDataQualitySummary, runDataQuality, writeDataQualityReport } from '@polder/etl';
import { openStationStore } from '@polder/station';

/** `polder dq`: runs the data-quality checks on a station and writes its report. */
export function dqCommand(): Command {
  return new Command('dq')
    .description(
      'run the OHDSI DataQualityDashboard checks on a station; writes dq-report.json and dq-summary.txt',
    )
    .requiredOption('--station <dir>', 'station directory')
    .option('--out <dir>', 'where to write the report (default: <station>/dq)')
    .option('--json', 'print the JSON report on stdout instead of the summary')
    .action(async (options: { station: string; out?: string; json?: boolean }) => {
      const store = await openStationStore(options.station);
      try {
        const report = await runDataQuality(store.connection, { instance: store.instance });
        const { reportPath, summaryPath } = await writeDataQualityReport(
          report,
          options.out ?? join(store.dir, 'dq'),
        );
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDataQualitySummary(report),
        );
        process.stderr.write(`report: ${reportPath}\nsummary: ${summaryPath}\n`);
      } finally {
        store.close();
      }
    });
}
