/**
 * The opt-out register and usage record at 100,000 persons, as JSON lines:
 * `npx tsx packages/station/src/opt-out/opt-out.bench.ts [persons]`. The persons are written straight into
 * the source-id map (no ingest), so the figures are the register's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStationStore } from '../station-store.ts';
import { excludeOptedOut, optedOutPersons, recordOptOut } from './opt-out-register.ts';
import { projectsUsingRecord, recordTaskUsage } from './task-usage.ts';

const persons = Number(process.argv[2] ?? 100_000);
const optOuts = 1000;
const root = await mkdtemp(join(tmpdir(), 'polder-bench-opt-out-'));
const store = await openStationStore(join(root, 'station'), { threads: 2 });

function report(bench: string, ms: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, persons, ms: Math.round(ms * 10) / 10, ...extra }));
}
async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}
async function tableBytes(table: string): Promise<number> {
  await store.connection.run('CHECKPOINT');
  const rows = (
    await store.connection.runAndReadAll(
      `SELECT count(DISTINCT block_id) FROM pragma_storage_info('${table}') WHERE persistent AND block_id >= 0`,
    )
  ).getRowsJS();
  // DuckDB's blocks are 256 KiB; a table's segments may share a block, so this is an upper bound.
  return Number(rows[0]?.[0] ?? 0) * 262_144;
}

try {
  await store.connection.run(
    `INSERT INTO polder.source_record SELECT 'bench', 'Patient/' || (7000000 + i), 'Patient/' || (7000000 + i),
       'Patient', 'person', i, 0, 0, 1 FROM range(1, ${persons + 1}) t(i)`,
  );
  const actor = { id: 'bench', name: 'bench', role: 'steward' } as const;
  const grantedAt = new Date(Date.now() + 60_000);
  const [, recordMs] = await timed(async () => {
    for (let i = 0; i < optOuts; i += 1) {
      await recordOptOut(store, {
        sourceIdentifier: String(7000000 + 1 + i * Math.floor(persons / optOuts)),
        purposes: i % 2 === 0 ? ['all'] : ['b'],
        actor,
      });
    }
  });
  report('recordOptOut (each, incl. audit append)', recordMs / optOuts, { optOuts });
  const [first, firstMs] = await timed(() => optedOutPersons(store, { purpose: 'b', grantedAt }));
  report('optedOutPersons, first call (pseudonyms for every person)', firstMs, { excluded: first.length });
  const [, steadyMs] = await timed(() => optedOutPersons(store, { purpose: 'b', grantedAt }));
  report('optedOutPersons, steady state', steadyMs, { excluded: first.length });

  await store.connection.run(
    `CREATE TEMPORARY TABLE cohort AS SELECT i AS person_id FROM range(1, ${persons + 1}) t(i)`,
  );
  const [removed, excludeMs] = await timed(() => excludeOptedOut(store.connection, 'cohort', first));
  report('excludeOptedOut', excludeMs, { removed });

  const [, usageMs] = await timed(() =>
    recordTaskUsage(store, {
      taskId: 'task-1',
      projectId: 'project-1',
      projectTitle: 'bench',
      permitId: 'permit-1',
      purpose: 'b',
      cohortTable: 'cohort',
    }),
  );
  report('recordTaskUsage, new project', usageMs, { cohort: persons - removed });
  const [, rerunMs] = await timed(() =>
    recordTaskUsage(store, {
      taskId: 'task-2',
      projectId: 'project-1',
      projectTitle: 'bench',
      permitId: 'permit-1',
      purpose: 'b',
      cohortTable: 'cohort',
    }),
  );
  report('recordTaskUsage, same project again', rerunMs);
  report('project_usage_person storage after one project', 0, {
    bytesUpperBound: await tableBytes('polder.project_usage_person'),
  });
  const [uses, lookupMs] = await timed(() => projectsUsingRecord(store, String(7000000 + persons)));
  report('projectsUsingRecord', lookupMs, { projects: uses.length });
} finally {
  store.close();
  await rm(root, { recursive: true, force: true });
}
