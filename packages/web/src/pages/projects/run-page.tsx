import { useState } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { Link, navigate } from '../../router.tsx';
import { labelOf, runStatusLabels } from '../../labels.ts';
import { projectPaths } from '../../components/analysis/project-paths.ts';
import { projectsApi, runDownloads } from '../../components/analysis/projects-api.ts';
import { ResultView } from '../../components/analysis/result-views.tsx';
import {
  DisclosureReports,
  RunErrorNotice,
  StationProgressTable,
  useLiveRun,
} from '../../components/analysis/run-progress.tsx';
import { messageOf } from '../../components/analysis/use-hub-value.ts';

/** A run: live progress per station, then its result as tables and plots, or why it failed. */
export function RunPage({ projectId, runId }: { readonly projectId: string; readonly runId: string }) {
  const { run, error } = useLiveRun(projectId, runId);
  const [rerunProblem, setRerunProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const title = run === undefined ? 'Run' : `Run of ${run.algorithm.name}@${run.algorithm.version}`;
  useDocumentTitle(title);

  const rerun = async () => {
    setBusy(true);
    setRerunProblem('');
    try {
      const accepted = await projectsApi.rerun(projectId, runId);
      navigate(projectPaths.run(projectId, accepted.id));
    } catch (caught) {
      setRerunProblem(messageOf(caught, 'Cannot run it again: something went wrong'));
    } finally {
      setBusy(false);
    }
  };

  const downloads = runDownloads(projectId, runId);
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href={projectPaths.list}>Projects</Link>
          </li>
          <li>
            <Link href={projectPaths.project(projectId)}>Project</Link>
          </li>
          <li aria-current="page">{title}</li>
        </ol>
      </nav>
      <h1>{title}</h1>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {error.message}
        </p>
      )}
      {run === undefined && error === null && <p className="muted">Loading the run…</p>}
      {run !== undefined && (
        <>
          <p className="status-line" role="status">
            <span className={`run-status run-status-${run.status}`}>
              {labelOf(runStatusLabels, run.status)}
            </span>
            {run.status === 'running' ? ` — round ${run.round + 1}, waiting for the stations…` : ''}
            {run.finishedAt === null ? '' : ` — finished ${new Date(run.finishedAt).toLocaleString('en-GB')}`}
          </p>
          <div className="button-row run-actions">
            <button
              type="button"
              className="button button-secondary"
              disabled={busy || run.status === 'running'}
              onClick={() => void rerun()}
            >
              Re-run
            </button>
            {run.status === 'completed' && (
              <>
                <a className="button button-secondary" href={downloads.csv} download>
                  Export CSV
                </a>
                <a className="button button-secondary" href={downloads.json} download>
                  Export JSON
                </a>
              </>
            )}
          </div>
          {rerunProblem !== '' && (
            <p className="alert alert-error" role="alert">
              {rerunProblem}
            </p>
          )}
          {run.error !== null && <RunErrorNotice error={run.error} />}
          <StationProgressTable run={run} />
          {run.status === 'completed' && (
            <section className="results" aria-labelledby="results-heading">
              <h2 id="results-heading">Result</h2>
              <ResultView algorithm={run.algorithm.name} result={run.result} />
            </section>
          )}
          <DisclosureReports run={run} />
          <details className="run-details">
            <summary>Parameters and cohort of this run</summary>
            <pre className="json-view">
              {JSON.stringify({ parameters: run.parameters, cohort: run.cohort }, null, 2)}
            </pre>
          </details>
        </>
      )}
    </div>
  );
}
