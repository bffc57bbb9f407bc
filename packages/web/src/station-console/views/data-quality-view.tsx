import { useCallback } from 'react';
import { QualityMeter } from '../../components/quality-meter.tsx';
import type { ViewProps } from '../console-app.tsx';
import { useStationData } from '../use-station-data.ts';
import { formatCount, formatTime, Loading, ViewFrame } from './view-frame.tsx';

const percent = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)}%`);

/** The newest data-quality report (failed checks first), the ingest runs and the quarantine. */
export function DataQualityView({ api, onUnauthorised }: ViewProps) {
  const { data } = useStationData(
    useCallback(() => api.dataQuality(), [api]),
    onUnauthorised,
  );
  return (
    <ViewFrame
      title="Data quality"
      lede="The OHDSI DataQualityDashboard checks of the last run, and what the ingest runs left in quarantine."
    >
      <Loading data={data}>
        {(quality) => (
          <>
            {quality.report === null ? (
              <p className="alert alert-warning">{quality.hint}</p>
            ) : (
              <section className="card" aria-labelledby="dq-heading">
                <h2 id="dq-heading">
                  Score <QualityMeter score={quality.report.score} />
                </h2>
                <p className="muted">
                  Run {quality.report.runId} of {formatTime(quality.report.finishedAt)}:{' '}
                  {formatCount(quality.report.overview.passed)} passed,{' '}
                  {formatCount(quality.report.overview.failed)} failed,{' '}
                  {formatCount(quality.report.overview.notApplicable)} not applicable,{' '}
                  {formatCount(quality.report.overview.error)} could not run.
                </p>
                <div className="table-scroll">
                  <table className="data-table">
                    <caption>Checks by Kahn category and context</caption>
                    <thead>
                      <tr>
                        <th scope="col">Category</th>
                        <th scope="col">Context</th>
                        <th scope="col" className="number">
                          Passed
                        </th>
                        <th scope="col" className="number">
                          Failed
                        </th>
                        <th scope="col" className="number">
                          % passed
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {quality.report.byKahn.map((row) => (
                        <tr key={`${row.category}/${row.context}`}>
                          <th scope="row">{row.category}</th>
                          <td>{row.context}</td>
                          <td className="number">{formatCount(row.counts.passed)}</td>
                          <td className="number">{formatCount(row.counts.failed)}</td>
                          <td className="number">{percent(row.counts.percentPassed)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <div className="table-scroll">
                  <table className="data-table">
                    <caption>Failed checks ({quality.report.failedChecks.length}), fatal first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Check</th>
                        <th scope="col">Where</th>
                        <th scope="col">Severity</th>
                        <th scope="col" className="number">
                          Violating rows
                        </th>
                        <th scope="col" className="number">
                          Threshold
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {quality.report.failedChecks.map((check) => (
                        <tr key={check.checkId}>
                          <th scope="row">
                            {check.checkName}
                            <span className="block hint">{check.description}</span>
                          </th>
                          <td className="break">{check.location}</td>
                          <td>{check.severity}</td>
                          <td className="number">
                            {formatCount(check.numViolatedRows ?? 0)} of{' '}
                            {formatCount(check.numDenominatorRows ?? 0)} (
                            {((check.pctViolatedRows ?? 0) * 100).toFixed(1)}%)
                          </td>
                          <td className="number">{check.threshold}%</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {quality.report.erroredChecks.length > 0 && (
                  <>
                    <h3>Checks that could not run</h3>
                    <ul>
                      {quality.report.erroredChecks.map((check) => (
                        <li key={check.checkId}>
                          {check.location}: {check.error}
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </section>
            )}
            <div className="console-columns">
              <section className="card" aria-labelledby="runs-heading">
                <h2 id="runs-heading">Ingest runs</h2>
                <div className="table-scroll">
                  <table className="data-table">
                    <caption className="visually-hidden">Ingest runs, newest first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Run</th>
                        <th scope="col">Source</th>
                        <th scope="col">Status</th>
                        <th scope="col" className="number">
                          Read
                        </th>
                        <th scope="col" className="number">
                          Quarantined
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {quality.ingestRuns.map((run) => (
                        <tr key={run.runId}>
                          <th scope="row">
                            {run.runId}
                            <span className="block hint">{formatTime(run.finishedAt ?? run.startedAt)}</span>
                          </th>
                          <td>{run.source}</td>
                          <td>{run.status}</td>
                          <td className="number">
                            {run.recordsRead === null ? '–' : formatCount(run.recordsRead)}
                          </td>
                          <td className="number">{formatCount(run.quarantined)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
              <section className="card" aria-labelledby="quarantine-heading">
                <h2 id="quarantine-heading">Quarantine by reason</h2>
                {quality.quarantineReasons.length === 0 ? (
                  <p>Nothing waits in quarantine.</p>
                ) : (
                  <ul className="plain-list">
                    {quality.quarantineReasons.map((row) => (
                      <li key={row.reason}>
                        <strong>{formatCount(row.records)}</strong>{' '}
                        <span className="break">{row.reason}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </div>
          </>
        )}
      </Loading>
    </ViewFrame>
  );
}
