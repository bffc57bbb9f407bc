/**
 * Throughput of the CSV source reader on a generated lab file (semicolons, decimal commas, dd-mm-yyyy HH:mm
 * dates, local codes). Prints one JSON line per figure.
 *
 *   npx tsx packages/etl/src/csv/bench-csv-reader.ts [rows=1000000]
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { readCsvSource } from './csv-source-reader.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(join(tmpdir(), 'polder-csv-bench-'));
try {
  const file = join(dir, 'labs.csv');
  const out = createWriteStream(file);
  out.write('lab_id;patient_id;visit_id;taken;labcode;description;result;unit\n');
  const codes = ['HB', 'CRP', 'NA', 'K', 'CREA', 'GLUC'];
  for (let i = 0; i < rows; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const line = `L${i};P${i % 10_000};V${i % 50_000};${day}-${month}-2021 ${String(i % 24).padStart(2, '0')}:15;${codes[i % 6]};Lab test ${i % 6};${(i % 1000) / 10},${i % 10};mmol/L\n`;
    if (!out.write(line.replace(/(\d+)\.(\d),(\d)/, '$1,$2$3'))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const config = join(dir, 'mapping.json');
  await writeFile(
    config,
    JSON.stringify({
      source: 'bench',
      delimiter: ';',
      decimalComma: true,
      dateFormats: ['dd-mm-yyyy HH:mm'],
      files: [
        {
          path: 'labs.csv',
          kind: 'clinical',
          resourceType: 'Lab',
          id: 'lab_id',
          columns: {
            personRef: { column: 'patient_id', refPrefix: 'Patient' },
            visitRef: { column: 'visit_id', refPrefix: 'Visit' },
            start: 'taken',
            concept: { column: 'labcode', system: 'hospital-c-lab', display: 'description' },
            valueNumber: 'result',
            unit: { column: 'unit', system: 'http://unitsofmeasure.org' },
          },
          fixed: { domainHint: 'measurement' },
        },
      ],
    }),
  );
  // Two passes: the first includes the JIT's warm-up.
  for (const pass of [1, 2]) {
    let events = 0;
    let invalid = 0;
    let peakRss = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for await (const o of readCsvSource(config)) {
      if (o.kind === 'invalid') invalid += 1;
      else events += 1;
      if ((events & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(
      JSON.stringify({
        bench: 'csv-reader',
        pass,
        rows,
        events,
        invalid,
        seconds: Number(seconds.toFixed(3)),
        rowsPerSecond: Math.round(rows / seconds),
        cpuSeconds: Number(cpuSeconds.toFixed(3)),
        // Rows per CPU-second: steadier than wall time on a shared machine.
        rowsPerCpuSecond: Math.round(rows / cpuSeconds),
        peakRssMiB: Math.round(peakRss / 2 ** 20),
      }),
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
