import { useEffect, useState } from 'react';
import { ApiError } from '../../api-client.ts';
import { formatNumber } from './result-model.ts';
import {
  projectsApi,
  runApiPath,
  type DisclosureReport,
  type Run,
  type RunError,
  type StationProgress,
} from './projects-api.ts';

/*
 * A run's live progress: the run as the hub last described it, kept current by its Server-Sent Events
 * stream (GET …/runs/:runId/events), which the hub ends once the run has completed or failed.
 */

/** The run, kept current while it runs; `error` when it cannot be loaded. */
export function useLiveRun(
  projectId: string,
  runId: string,
): { run: Run | undefined; error: ApiError | null } {
  const [run, setRun] = useState<Run | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let live = true;
    let source: EventSource | undefined;
    setRun(undefined);
    const follow = () => {
      source = new EventSource(`${runApiPath(projectId, runId)}/events`);
      source.addEventListener('run', (event) => {
        if (!live) return;
        const next = JSON.parse((event as MessageEvent<string>).data) as Run;
        setRun(next);
        // The hub ends the stream after the last state; without this the browser would reconnect.
        if (next.status !== 'running') source?.close();
      });
    };
    projectsApi.run(projectId, runId).then(
      (first) => {
        if (!live) return;
        setRun(first);
        if (first.status === 'running') follow();
      },
      (caught: unknown) => {
        if (live)
          setError(caught instanceof ApiError ? caught : new ApiError('internal', 0, 'Cannot load the run'));
      },
    );
    return () => {
      live = false;
      source?.close();
    };
  }, [projectId, runId]);

  return { run, error };
}

const taskStatusText: Readonly<Record<StationProgress['status'], string>> = {
  pending: 'Working',
  'pending-approval': "Waiting for the steward's approval",
  completed: 'Done',
  refused: 'Refused',
  failed: 'Failed',
};

const stepText: Readonly<Record<string, string>> = {
  permit: 'checking the permit',
  policy: "checking the station's policy",
  approval: "the steward's approval",
  parameters: 'checking the parameters',
  cohort: 'building the cohort',
  compute: 'computing',
  disclosure: 'disclosure control',
  combine: 'combining the stations’ results',
};

/** The words for a step at which a task stopped. */
export function describeStep(step: string): string {
  return stepText[step] ?? step;
}

/** Each station's progress in the run, as a table (live: a screen reader hears the changes). */
export function StationProgressTable({ run }: { readonly run: Run }) {
  return (
    <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
      <table className="data-table station-progress" aria-live="polite">
        <caption>Progress per station</caption>
        <thead>
          <tr>
            <th scope="col">Station</th>
            <th scope="col">Status</th>
            <th scope="col" className="number">
              Round
            </th>
            <th scope="col" className="number">
              Time
            </th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {run.stations.length === 0 && (
            <tr>
              <td colSpan={5}>No station has been asked yet.</td>
            </tr>
          )}
          {run.stations.map((station) => (
            <tr key={station.stationId} className={`task-${station.status}`}>
              <th scope="row">{station.stationName}</th>
              <td>
                <span className={`task-status task-status-${station.status}`}>
                  {taskStatusText[station.status]}
                </span>
              </td>
              <td className="number">{station.round + 1}</td>
              <td className="number">
                {station.durationMs === null ? '—' : `${formatNumber(station.durationMs / 1000, 2)} s`}
              </td>
              <td>
                {station.problem === null
                  ? '—'
                  : `At ${describeStep(station.problem.step)}: ${station.problem.message}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Why the run failed: which station, at which step, and what to do about it. */
export function RunErrorNotice({ error }: { readonly error: RunError }) {
  return (
    <div className="alert alert-error run-error" role="alert">
      <p className="alert-title">
        {error.stationName === null ? 'The run failed' : `Station ${error.stationName} stopped the run`} at{' '}
        {describeStep(error.step)} (round {error.round + 1}).
      </p>
      <p>{error.message}</p>
      <p>
        <strong>What to do:</strong> {error.advice}
      </p>
    </div>
  );
}

/** What each station's disclosure control did: the policy it applied and each suppression or rounding. */
export function DisclosureReports({ run }: { readonly run: Run }) {
  const reports = run.stations.filter(
    (station): station is StationProgress & { disclosure: DisclosureReport } => station.disclosure !== null,
  );
  if (reports.length === 0) return null;
  const total = reports.reduce((sum, station) => sum + station.disclosure.actions.length, 0);
  return (
    <details className="disclosure-report">
      <summary>
        Disclosure report:{' '}
        {total === 0 ? 'nothing was suppressed or rounded' : `${total} figure(s) suppressed or rounded`}
      </summary>
      {reports.map((station) => (
        <section key={station.stationId} aria-label={`Disclosure control at ${station.stationName}`}>
          <h4>{station.stationName}</h4>
          <p className="hint">
            Policy:{' '}
            {Object.entries(station.disclosure.policy)
              .map(([key, value]) => `${key} ${String(value)}`)
              .join(', ')}
            {station.disclosure.privacySpent === undefined
              ? ''
              : `; differential privacy spent ε = ${station.disclosure.privacySpent.epsilon}`}
          </p>
          {station.disclosure.actions.length === 0 ? (
            <p>Nothing was suppressed or rounded.</p>
          ) : (
            <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
              <table className="data-table">
                <caption className="visually-hidden">
                  What disclosure control did at {station.stationName}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Figure</th>
                    <th scope="col">Action</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {station.disclosure.actions.map((action, index) => (
                    <tr key={`${action.path}-${index}`}>
                      <td>
                        <code>{action.path}</code>
                      </td>
                      <td>{action.action}</td>
                      <td>{action.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </details>
  );
}
