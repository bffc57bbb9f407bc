/**
 * One ingest, measured in its own process so that peak RSS is the ingest's alone (DuckDB's native memory
 * included). Prints one JSON line. Usage: tsx scripts/bench-ingest-child.ts STATION_DIR SOURCE...
 */
import { ingestIntoStation, openStationStore } from '@polder/station';

const [stationDir, ...sources] = process.argv.slice(2);
if (stationDir === undefined || sources.length === 0) {
  console.error('usage: bench-ingest-child.ts STATION_DIR SOURCE...');
  process.exit(2);
}
const store = await openStationStore(stationDir);
const started = performance.now();
const report = await ingestIntoStation(store, sources, { sourceName: 'bench' });
const seconds = (performance.now() - started) / 1000;
store.close();
console.log(
  JSON.stringify({
    records: report.recordsRead,
    events: report.eventsRead,
    quarantined: report.quarantined,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(report.recordsRead / seconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
