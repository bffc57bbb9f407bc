import { useCallback } from 'react';
import { QualityMeter } from '../../components/quality-meter.tsx';
import type { ViewProps } from '../console-app.tsx';
import { ConsoleLink } from '../console-router.tsx';
import { useStationData } from '../use-station-data.ts';
import { formatCount, formatTime, Loading, ViewFrame } from './view-frame.tsx';

/** The station at a glance: what it holds, its hub, and what waits for the steward. */
export function OverviewView({ api, onUnauthorised }: ViewProps) {
  const { data } = useStationData(
    useCallback(() => api.overview(), [api]),
    onUnauthorised,
  );
  return (
    <ViewFrame title="Station overview" lede="What this station holds and what waits for you.">
      <Loading data={data}>
        {(station) => (
          <>
            <h2 className="station-name">{station.name}</h2>
            <div className="console-cards">
              <section className="card" aria-labelledby="waiting-heading">
                <h2 id="waiting-heading">Waiting for you</h2>
                <p className="big-number">{formatCount(station.pendingApprovals)}</p>
                <p>
                  {station.pendingApprovals === 1 ? 'task waits' : 'tasks wait'} for your approval.{' '}
                  <ConsoleLink href="/steward/approvals">Review approvals</ConsoleLink>
                </p>
              </section>
              <section className="card" aria-labelledby="quality-heading">
                <h2 id="quality-heading">Data quality</h2>
                <p className="big-number">
                  <QualityMeter score={station.dataQualityScore} />
                </p>
                <p>
                  {formatCount(station.quarantined)} records in quarantine.{' '}
                  <ConsoleLink href="/steward/quality">Read the report</ConsoleLink>
                </p>
              </section>
              <section className="card" aria-labelledby="optout-heading">
                <h2 id="optout-heading">Opt-outs</h2>
                <p className="big-number">{formatCount(station.activeOptOuts)}</p>
                <p>
                  patients have opted out of at least one purpose.{' '}
                  <ConsoleLink href="/steward/opt-outs">Manage opt-outs</ConsoleLink>
                </p>
              </section>
            </div>
            <div className="console-columns">
              <section className="card" aria-labelledby="hub-heading">
                <h2 id="hub-heading">Hub and data</h2>
                <dl className="facts">
                  <dt>Hub</dt>
                  <dd>
                    {station.enrolment === null
                      ? 'Not enrolled (polder station enrol)'
                      : `${station.enrolment.hubUrl} (station ${station.enrolment.stationId})`}
                  </dd>
                  <dt>Enrolled</dt>
                  <dd>{formatTime(station.enrolment?.enrolledAt)}</dd>
                  <dt>Visits from</dt>
                  <dd>
                    {station.coverage === null ? '–' : `${station.coverage.from} to ${station.coverage.to}`}
                  </dd>
                  <dt>Last ingest</dt>
                  <dd>
                    {station.lastIngest === null
                      ? 'none yet'
                      : `run ${station.lastIngest.runId} of ${station.lastIngest.source}: ${station.lastIngest.status}, ${formatTime(station.lastIngest.finishedAt)}`}
                  </dd>
                  <dt>Database</dt>
                  <dd className="break">{station.databasePath}</dd>
                </dl>
              </section>
              <section className="card" aria-labelledby="rows-heading">
                <h2 id="rows-heading">Rows per OMOP table</h2>
                <div className="table-scroll">
                  <table className="data-table">
                    <caption className="visually-hidden">Rows per OMOP table</caption>
                    <thead>
                      <tr>
                        <th scope="col">Table</th>
                        <th scope="col" className="number">
                          Rows
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(station.rows).map(([table, rows]) => (
                        <tr key={table}>
                          <th scope="row">{table}</th>
                          <td className="number">{formatCount(rows)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            </div>
          </>
        )}
      </Loading>
    </ViewFrame>
  );
}
