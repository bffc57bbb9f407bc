import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationStore, projectsUsingRecord, recordTaskUsage, type StationStore } from '../index.ts';
import { ingestTestPatients, personIdOf } from './_test-station.ts';

let root: string;
let store: StationStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-usage-'));
  store = await openStationStore(join(root, 'station'), { threads: 1 });
  await ingestTestPatients(store, ['8000001', '8000002', '8000003'], join(root, 'export'));
});
afterAll(async () => {
  store.close();
  await rm(root, { recursive: true, force: true });
});

async function cohortOf(numbers: readonly string[], table: string): Promise<void> {
  const ids = await Promise.all(numbers.map((n) => personIdOf(store, n)));
  await store.connection.run(`CREATE OR REPLACE TEMPORARY TABLE ${table} (person_id BIGINT)`);
  for (const id of ids) await store.connection.run(`INSERT INTO ${table} VALUES (${id})`);
}

const project = (n: number) => ({
  projectId: `project-${n}`,
  projectTitle: `Readmissions after ICU, study ${n}`,
  permitId: `permit-${n}`,
  purpose: 'd',
});

describe('projectsUsingRecord()', () => {
  it('lists the projects whose analyses used a patient’s record, and only those', async () => {
    await cohortOf(['8000001', '8000002'], 'cohort_1');
    await cohortOf(['8000002'], 'cohort_2');
    expect(
      await recordTaskUsage(store, {
        ...project(1),
        taskId: 't1',
        cohortTable: 'cohort_1',
        now: new Date('2026-03-01'),
      }),
    ).toBe(2);
    await recordTaskUsage(store, {
      ...project(1),
      taskId: 't2',
      cohortTable: 'cohort_2',
      now: new Date('2026-03-05'),
    });
    await recordTaskUsage(store, {
      ...project(2),
      taskId: 't3',
      cohortTable: 'cohort_2',
      now: new Date('2026-04-01'),
    });

    expect(await projectsUsingRecord(store, '8000001')).toEqual([
      {
        ...project(1),
        firstUsedAt: '2026-03-01T00:00:00.000Z',
        lastUsedAt: '2026-03-05T00:00:00.000Z',
        analyses: 2,
      },
    ]);
    expect((await projectsUsingRecord(store, 'Patient/8000002')).map((p) => p.projectId)).toEqual([
      'project-2',
      'project-1',
    ]);
    expect(await projectsUsingRecord(store, '8000003')).toEqual([]);
    expect(await projectsUsingRecord(store, 'unknown-number')).toEqual([]);
  });

  it('records a task once, however often it is reported, and a person once per project', async () => {
    await cohortOf(['8000001', '8000002'], 'cohort_3');
    await recordTaskUsage(store, { ...project(3), taskId: 't4', cohortTable: 'cohort_3' });
    await recordTaskUsage(store, { ...project(3), taskId: 't4', cohortTable: 'cohort_3' });
    await recordTaskUsage(store, { ...project(3), taskId: 't5', cohortTable: 'cohort_3' });
    const rows = (
      await store.connection.runAndReadAll(
        "SELECT (SELECT count(*) FROM polder.task_usage WHERE project_id = 'project-3'), (SELECT count(*) FROM polder.project_usage_person WHERE project_id = 'project-3')",
      )
    ).getRowsJS()[0];
    expect(rows?.map(Number)).toEqual([2, 2]);
  });

  it('adds only the task when the cohort’s persons are recorded for the project already', async () => {
    await cohortOf(['8000001'], 'cohort_4');
    await recordTaskUsage(store, {
      ...project(5),
      taskId: 't7',
      cohortTable: 'cohort_4',
      now: new Date('2026-04-01'),
    });
    // The same (cached) cohort table, grown since only to show that nothing is inserted or counted.
    await cohortOf(['8000001', '8000003'], 'cohort_4');
    expect(
      await recordTaskUsage(store, {
        ...project(5),
        taskId: 't8',
        cohortTable: 'cohort_4',
        personsRecorded: 1,
        now: new Date('2026-05-01'),
      }),
    ).toBe(1);
    const rows = (
      await store.connection.runAndReadAll(
        `SELECT (SELECT list(persons ORDER BY task_id) FROM polder.task_usage WHERE project_id = 'project-5'),
                (SELECT count(*) FROM polder.project_usage_person WHERE project_id = 'project-5')`,
      )
    ).getRowsJS()[0];
    expect(rows?.[0]).toEqual([1n, 1n]);
    expect(Number(rows?.[1])).toBe(1);
    const used = await projectsUsingRecord(store, '8000001');
    expect(used.find((p) => p.projectId === 'project-5')).toMatchObject({
      analyses: 2,
      lastUsedAt: '2026-05-01T00:00:00.000Z',
    });
    expect(await projectsUsingRecord(store, '8000003')).toEqual([]);
  });

  it('refuses a cohort table name that is not a plain name', async () => {
    await expect(
      recordTaskUsage(store, { ...project(4), taskId: 't6', cohortTable: 'x; DROP TABLE y' }),
    ).rejects.toThrow(/not a plain table name/);
  });
});
