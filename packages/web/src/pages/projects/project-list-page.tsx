import { useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link, navigate } from '../../router.tsx';
import { NumberedErrors } from '../../components/analysis/numbered-errors.tsx';
import { projectPaths } from '../../components/analysis/project-paths.ts';
import { projectsApi } from '../../components/analysis/projects-api.ts';
import { TextField, SelectField } from '../../components/analysis/form-fields.tsx';
import { messageOf, useHubValue } from '../../components/analysis/use-hub-value.ts';

/** The researcher's projects, newest first, and the form to start one under a permit. */
export function ProjectListPage() {
  useDocumentTitle('Projects');
  const projects = useHubValue('projects', () => projectsApi.projects());
  return (
    <div className="page">
      <h1>Projects</h1>
      <p className="lede">
        A project holds your cohorts and analyses under a permit; its runs go to the stations the permit
        covers.
      </p>
      <div className="projects-layout">
        <section aria-labelledby="your-projects">
          <h2 id="your-projects">Your projects</h2>
          {projects.error !== null && (
            <p className="alert alert-error" role="alert">
              {projects.error.message}
            </p>
          )}
          {projects.value === undefined && projects.error === null && <p className="muted">Loading…</p>}
          {projects.value?.length === 0 && <p className="muted">You have no projects yet.</p>}
          <ul className="project-list">
            {projects.value?.map((project) => (
              <li key={project.id} className="card project-card">
                <h3>
                  <Link href={projectPaths.project(project.id)}>{project.title}</Link>
                </h3>
                {project.description !== '' && <p>{project.description}</p>}
                <p className="hint">
                  {project.role === 'owner' ? 'You own it' : 'Member'} · created{' '}
                  {formatDate(project.createdAt)} ·{' '}
                  {project.permitId === null ? 'no permit yet' : 'under a permit'}
                </p>
              </li>
            ))}
          </ul>
        </section>
        <NewProjectForm />
      </div>
    </div>
  );
}

function NewProjectForm() {
  const permits = useHubValue('permits', () => projectsApi.permitChoices());
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [permitChoice, setPermitChoice] = useState('');
  const [permitId, setPermitId] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: string[] = [];
    if (title.trim() === '') found.push('Give the project a title');
    const chosen = permitChoice === 'other' ? permitId.trim() : permitChoice;
    if (chosen !== '' && !/^[0-9a-f-]{36}$/i.test(chosen))
      found.push('A permit id looks like 0190…-…: 36 characters');
    setProblems(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const project = await projectsApi.createProject({
        title: title.trim(),
        description,
        ...(chosen === '' ? {} : { permitId: chosen }),
      });
      navigate(projectPaths.project(project.id));
    } catch (caught) {
      setProblems([messageOf(caught, 'Cannot create the project: something went wrong')]);
      setBusy(false);
    }
  };

  const choices = permits.value ?? [];
  return (
    <section className="card" aria-labelledby="new-project">
      <h2 id="new-project">New project</h2>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <NumberedErrors title="The project was not created" problems={problems} />
        <TextField id="project-title" label="Title" required value={title} onChange={setTitle} />
        <div className="field">
          <label htmlFor="project-description">Description</label>
          <textarea
            id="project-description"
            rows={3}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        <SelectField
          id="project-permit"
          label="Permit to work under"
          hint={
            permits.error === null
              ? 'The active permits of your approved applications. You can set one later.'
              : `Cannot list your permits: ${permits.error.message}`
          }
          value={permitChoice}
          emptyLabel="No permit yet"
          options={[
            ...choices.map(
              (choice) =>
                [choice.permitId, `${choice.title} (valid until ${formatDate(choice.validUntil)})`] as const,
            ),
            ['other', 'Another permit (enter its id)'],
          ]}
          onChange={setPermitChoice}
        />
        {permitChoice === 'other' && (
          <TextField id="project-permit-id" label="Permit id" value={permitId} onChange={setPermitId} />
        )}
        <div className="button-row">
          <button type="submit" className="button" disabled={busy}>
            Create project
          </button>
        </div>
      </form>
    </section>
  );
}
