import type { StationStore } from './station-store.ts';

/** What a station holds, for its steward: rows per clinical table, time coverage and its last runs. */
export interface StationOverview {
  readonly name: string;
  readonly databasePath: string;
  /** Rows per OMOP clinical table (only tables that have rows). */
  readonly rows: Readonly<Record<string, number>>;
  /** Earliest and latest visit start (ISO dates), when there are visits. */
  readonly coverage?: { readonly from: string; readonly to: string };
  /** Rows in polder.quarantine, all runs. */
  readonly quarantined: number;
  readonly lastIngest?: {
    readonly runId: number;
    readonly source: string;
    readonly status: string;
    readonly finishedAt: string | null;
  };
}

const overviewTables = [
  'person',
  'observation_period',
  'visit_occurrence',
  'visit_detail',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'measurement',
  'observation',
  'device_exposure',
  'death',
  'care_site',
] as const;

/** Reads a station's overview in a few aggregate queries (no row-level data leaves the function). */
export async function describeStation(store: StationStore): Promise<StationOverview> {
  const c = store.connection;
  const counts = await c.runAndReadAll(
    overviewTables.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM cdm.${t}`).join(' UNION ALL '),
  );
  const rows: Record<string, number> = {};
  for (const [table, n] of counts.getRows()) if (Number(n) > 0) rows[String(table)] = Number(n);
  const span = (
    await c.runAndReadAll(
      `SELECT strftime(min(visit_start_date), '%Y-%m-%d'), strftime(max(visit_start_date), '%Y-%m-%d') FROM cdm.visit_occurrence`,
    )
  ).getRows()[0];
  const quarantined = Number(
    (await c.runAndReadAll('SELECT count(*) FROM polder.quarantine')).getRows()[0]?.[0] ?? 0,
  );
  const last = (
    await c.runAndReadAll(
      `SELECT ingest_run_id, source, status, strftime(finished_at, '%Y-%m-%dT%H:%M:%S') FROM polder.ingest_run ORDER BY ingest_run_id DESC LIMIT 1`,
    )
  ).getRows()[0];
  return {
    name: store.info.name,
    databasePath: store.databasePath,
    rows,
    ...(span?.[0] == null || span[1] == null
      ? {}
      : { coverage: { from: String(span[0]), to: String(span[1]) } }),
    quarantined,
    ...(last === undefined
      ? {}
      : {
          lastIngest: {
            runId: Number(last[0]),
            source: String(last[1]),
            status: String(last[2]),
            finishedAt: last[3] == null ? null : String(last[3]),
          },
        }),
  };
}
