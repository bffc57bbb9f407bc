import { useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link } from '../../router.tsx';
import { TextField } from '../../components/analysis/form-fields.tsx';
import { projectPaths } from '../../components/analysis/project-paths.ts';
import { projectsApi, type Project } from '../../components/analysis/projects-api.ts';
import { messageOf, useHubValue } from '../../components/analysis/use-hub-value.ts';
import { runStatusLabels, labelOf } from '../../labels.ts';

/** A project: its permit, members, cohort and variable definitions, and the history of its runs. */
export function ProjectPage({ projectId }: { readonly projectId: string }) {
  const project = useHubValue(projectId, () => projectsApi.project(projectId));
  useDocumentTitle(project.value?.title ?? 'Project');
  if (project.error !== null) {
    return (
      <div className="page narrow-wide">
        <h1>Project</h1>
        <p className="alert alert-error" role="alert">
          {project.error.message}
        </p>
        <p>
          <Link href={projectPaths.list}>Your projects</Link>
        </p>
      </div>
    );
  }
  const value = project.value;
  if (value === undefined) {
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the project…</p>
      </div>
    );
  }
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href={projectPaths.list}>Projects</Link>
          </li>
          <li aria-current="page">{value.title}</li>
        </ol>
      </nav>
      <h1>{value.title}</h1>
      {value.description !== '' && <p className="lede">{value.description}</p>}
      <div className="button-row">
        <Link className="button" href={projectPaths.newAnalysis(projectId)}>
          New analysis
        </Link>
        <Link className="button button-secondary" href={projectPaths.newCohort(projectId)}>
          Define a cohort
        </Link>
        <Link
          className="button button-secondary"
          href={`${projectPaths.newCohort(projectId)}?kind=variables`}
        >
          Define variables
        </Link>
      </div>
      <div className="project-layout">
        <div className="project-main">
          <Definitions projectId={projectId} />
          <Runs projectId={projectId} />
        </div>
        <div className="project-side">
          <PermitFacts project={value} />
          <Members project={value} />
        </div>
      </div>
    </div>
  );
}

function PermitFacts({ project }: { readonly project: Project }) {
  const permitId = project.permitId;
  const permit = useHubValue(permitId ?? '', () => projectsApi.permit(permitId ?? ''));
  return (
    <section className="card" aria-labelledby="permit-heading">
      <h2 id="permit-heading">Permit</h2>
      {permitId === null ? (
        <p>
          No permit yet: runs need one.{' '}
          {project.role === 'owner' ? 'Set it when your application is approved.' : ''}
        </p>
      ) : permit.value === undefined ? (
        <p className="hint">
          {permit.error === null ? 'Loading…' : `Permit ${permitId} (${permit.error.message})`}
        </p>
      ) : (
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <span className={`state-badge state-${permit.value.status}`}>{permit.value.status}</span>
          </dd>
          <dt>Valid until</dt>
          <dd>{formatDate(permit.value.validUntil)}</dd>
          <dt>Stations</dt>
          <dd>{permit.value.document.datasets.length}</dd>
          <dt>Algorithms</dt>
          <dd>{permit.value.document.algorithms.join(', ')}</dd>
        </dl>
      )}
    </section>
  );
}

function Members({ project }: { readonly project: Project }) {
  const members = useHubValue(`members-${project.id}`, () => projectsApi.members(project.id));
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState('');
  const owner = project.role === 'owner';

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setProblem('');
    try {
      await projectsApi.addMember(project.id, email.trim());
      setEmail('');
      members.reload();
    } catch (caught) {
      setProblem(messageOf(caught, 'Cannot add the member: something went wrong'));
    }
  };
  const remove = async (userId: string) => {
    try {
      await projectsApi.removeMember(project.id, userId);
      members.reload();
    } catch (caught) {
      setProblem(messageOf(caught, 'Cannot remove the member: something went wrong'));
    }
  };

  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {members.error !== null && <p className="alert alert-error">{members.error.message}</p>}
      <ul className="plain-list member-list">
        {members.value?.map((member) => (
          <li key={member.userId}>
            <span>
              {member.name} <span className="hint">({member.role})</span>
            </span>
            {owner && member.role !== 'owner' && (
              <button
                type="button"
                className="button button-small button-quiet"
                onClick={() => void remove(member.userId)}
              >
                Remove<span className="visually-hidden"> {member.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {owner && (
        <form className="form" onSubmit={(event) => void add(event)}>
          <TextField
            id="member-email"
            label="Add a researcher by e-mail address"
            value={email}
            autoComplete="email"
            errors={problem === '' ? [] : [problem]}
            onChange={setEmail}
          />
          <div className="button-row">
            <button
              type="submit"
              className="button button-small button-secondary"
              disabled={email.trim() === ''}
            >
              Add member
            </button>
          </div>
        </form>
      )}
      {!owner && problem !== '' && <p className="alert alert-error">{problem}</p>}
    </section>
  );
}

function Definitions({ projectId }: { readonly projectId: string }) {
  const definitions = useHubValue(`definitions-${projectId}`, () => projectsApi.definitions(projectId));
  return (
    <section aria-labelledby="definitions-heading">
      <h2 id="definitions-heading">Cohorts and variables</h2>
      {definitions.error !== null && <p className="alert alert-error">{definitions.error.message}</p>}
      {definitions.value?.length === 0 && (
        <p className="muted">No definitions yet: define a cohort to start.</p>
      )}
      {definitions.value !== undefined && definitions.value.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
          <table className="data-table">
            <caption className="visually-hidden">Definitions</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col" className="number">
                  Version
                </th>
                <th scope="col">Saved</th>
              </tr>
            </thead>
            <tbody>
              {definitions.value.map((definition) => (
                <tr key={definition.id}>
                  <th scope="row">
                    <Link href={projectPaths.cohort(projectId, definition.id)}>{definition.name}</Link>
                  </th>
                  <td>{definition.kind === 'cohort' ? 'Cohort' : 'Variables'}</td>
                  <td className="number">{definition.version}</td>
                  <td>{formatDate(definition.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Runs({ projectId }: { readonly projectId: string }) {
  const runs = useHubValue(`runs-${projectId}`, () => projectsApi.runs(projectId));
  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      {runs.error !== null && <p className="alert alert-error">{runs.error.message}</p>}
      {runs.value?.length === 0 && <p className="muted">No runs yet.</p>}
      {runs.value !== undefined && runs.value.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="group" aria-label="Table (scrolls sideways)">
          <table className="data-table">
            <caption className="visually-hidden">Runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Analysis</th>
                <th scope="col">Status</th>
                <th scope="col">By</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {runs.value.map((run) => (
                <tr key={run.id}>
                  <th scope="row">
                    <Link href={projectPaths.run(projectId, run.id)}>
                      {run.algorithm.name}@{run.algorithm.version}
                    </Link>
                    {run.rerunOf !== null && <span className="hint"> (re-run)</span>}
                  </th>
                  <td>
                    <span className={`run-status run-status-${run.status}`}>
                      {labelOf(runStatusLabels, run.status)}
                    </span>
                  </td>
                  <td>{run.requestedBy.name}</td>
                  <td>{new Date(run.createdAt).toLocaleString('en-GB')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
