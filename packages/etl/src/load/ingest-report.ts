/** Counts of one CDM table in one ingest run. */
export interface TableCounts {
  readonly table: string;
  /** Events (or derived rows) destined for this table: loaded, unchanged or quarantined. */
  readonly read: number;
  /** New rows. */
  readonly inserted: number;
  /** Rows changed in place (same key), including rows moved here from another table when their domain changed. */
  readonly updated: number;
  /** Rows that were already there as they would be written. */
  readonly unchanged: number;
  /** Events that went to quarantine instead. */
  readonly quarantined: number;
}

/** A source code that maps to no standard concept (the row got concept_id 0 and keeps its source value). */
export interface UnmappedCode {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
  /** Events in this run that carry it. */
  readonly count: number;
}

/** What one `ingest()` run did. Also stored as JSON in `polder.ingest_run.counts`. */
export interface IngestReport {
  readonly runId: number;
  readonly source: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601. */
  readonly finishedAt: string;
  readonly elapsedMs: number;
  /** Source records the readers yielded (events of one record count once; invalid and skipped included). */
  readonly recordsRead: number;
  /** Events staged (an Observation with components gives several). */
  readonly eventsRead: number;
  /** Records a reader could not read (all of them in quarantine). */
  readonly invalidRecords: number;
  /** Events superseded by a later event with the same source id in the same run. */
  readonly duplicates: number;
  readonly tables: readonly TableCounts[];
  /** Invalid records and events that went to quarantine in this run. */
  readonly quarantined: number;
  /** Rows added to `polder.quarantine` (a record already there from an earlier run is not added again). */
  readonly quarantineAdded: number;
  /** Records that have no OMOP target, per resource type. */
  readonly skipped: Readonly<Record<string, number>>;
  /** The most frequent unmapped codes, most frequent first. */
  readonly unmappedCodes: readonly UnmappedCode[];
  /** Distinct unmapped codes in this run. */
  readonly unmappedCodeCount: number;
  /** Rows of source_to_concept_map loaded before the data. */
  readonly sourceToConceptMapRows: number;
  /** Wall-clock milliseconds per phase: staging (reading included), resolveCodes, merge, observationPeriods, quarantine. */
  readonly phases: Readonly<Record<string, number>>;
}

function pad(value: string | number, width: number): string {
  return String(value).padStart(width);
}

/**
 * The closing summary of an ingest run for a terminal, e.g.
 *
 * ```text
 * Ingest run 3 of hospital-a: 1,203,114 records in 41.2 s (29,201 records/s)
 * table                    read  inserted   updated unchanged quarantined
 * person                  1,144     1,144         0         0           0
 * ...
 * ```
 */
export function formatIngestReport(report: IngestReport): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const seconds = report.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(report.recordsRead / seconds) : report.recordsRead;
  const lines = [
    `Ingest run ${report.runId} of ${report.source}: ${n(report.recordsRead)} records (${n(report.eventsRead)} events)` +
      ` in ${seconds.toFixed(1)} s (${n(rate)} records/s)`,
    `${'table'.padEnd(22)}${pad('read', 11)}${pad('inserted', 11)}${pad('updated', 11)}${pad('unchanged', 11)}${pad('quarantined', 12)}`,
  ];
  for (const t of report.tables) {
    if (t.read === 0 && t.inserted === 0 && t.updated === 0) continue;
    lines.push(
      `${t.table.padEnd(22)}${pad(n(t.read), 11)}${pad(n(t.inserted), 11)}${pad(n(t.updated), 11)}` +
        `${pad(n(t.unchanged), 11)}${pad(n(t.quarantined), 12)}`,
    );
  }
  lines.push(
    `Quarantine: ${n(report.quarantined)} this run (${n(report.invalidRecords)} unreadable records), ` +
      `${n(report.quarantineAdded)} new rows in polder.quarantine`,
  );
  if (report.duplicates > 0)
    lines.push(`Duplicates: ${n(report.duplicates)} events superseded by a later version`);
  const skipped = Object.entries(report.skipped).sort((a, b) => b[1] - a[1]);
  if (skipped.length > 0) {
    lines.push(
      `Skipped (no OMOP target): ${skipped.map(([type, count]) => `${type} ${n(count)}`).join(', ')}`,
    );
  }
  if (report.unmappedCodeCount > 0) {
    lines.push(`Unmapped codes: ${n(report.unmappedCodeCount)} (concept_id 0); most frequent:`);
    for (const code of report.unmappedCodes) {
      lines.push(
        `  ${pad(n(code.count), 9)}  ${code.system} ${code.code}${code.display === undefined ? '' : ` "${code.display}"`}`,
      );
    }
  }
  return lines.join('\n');
}
