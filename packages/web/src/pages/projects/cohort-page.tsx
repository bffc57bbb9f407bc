import { useEffect, useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { CohortBuilder, VariablesSection } from '../../components/analysis/cohort-builder.tsx';
import {
  newCohortDefinition,
  type CohortDefinition,
  type DefinitionProblem,
} from '../../components/analysis/cohort-model.ts';
import { TextField } from '../../components/analysis/form-fields.tsx';
import { projectPaths } from '../../components/analysis/project-paths.ts';
import {
  projectsApi,
  ProjectsApiError,
  type DefinitionWithVersions,
} from '../../components/analysis/projects-api.ts';
import { messageOf } from '../../components/analysis/use-hub-value.ts';

/**
 * A cohort definition (or a set of variable definitions) in the builder: a new one, or a new version of a
 * saved one. The hub checks it with the cohort language's validator on save; its problems show beside the
 * fields they name.
 */
export function CohortPage(props: { readonly projectId: string; readonly definitionId: string | undefined }) {
  const { projectId, definitionId } = props;
  const { query } = useLocation();
  const [loaded, setLoaded] = useState<DefinitionWithVersions | undefined>(undefined);
  const [loadError, setLoadError] = useState('');
  const kind = loaded?.kind ?? (query.get('kind') === 'variables' ? 'variables' : 'cohort');
  const [cohort, setCohort] = useState<CohortDefinition>(newCohortDefinition);
  const [variables, setVariables] = useState<Record<string, Record<string, unknown>>>({
    age: { age: 'index' },
  });
  const [setName, setSetName] = useState('Variables');
  const [problems, setProblems] = useState<DefinitionProblem[]>([]);
  const [message, setMessage] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  useDocumentTitle(kind === 'cohort' ? `Cohort: ${cohort.name}` : `Variables: ${setName}`);

  useEffect(() => {
    if (definitionId === undefined) return;
    let live = true;
    projectsApi.definition(projectId, definitionId).then(
      (definition) => {
        if (!live) return;
        setLoaded(definition);
        if (definition.kind === 'cohort') setCohort(definition.definition as CohortDefinition);
        else {
          setVariables(definition.definition as Record<string, Record<string, unknown>>);
          setSetName(definition.name);
        }
      },
      (caught: unknown) => live && setLoadError(messageOf(caught, 'Cannot load the definition')),
    );
    return () => {
      live = false;
    };
  }, [projectId, definitionId]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setStatus('');
    const body =
      kind === 'cohort'
        ? {
            name: cohort.name.trim() === '' ? 'Cohort' : cohort.name.trim(),
            definition: cohort as unknown as Record<string, unknown>,
          }
        : { name: setName.trim() === '' ? 'Variables' : setName.trim(), definition: variables };
    try {
      const saved =
        definitionId === undefined
          ? await projectsApi.createDefinition(projectId, { kind, ...body })
          : await projectsApi.saveDefinition(projectId, definitionId, body);
      setProblems([]);
      setMessage('');
      setStatus(`Saved as version ${saved.version}.`);
      if (definitionId === undefined) navigate(projectPaths.cohort(projectId, saved.id), { replace: true });
      else setLoaded((current) => (current === undefined ? current : { ...current, version: saved.version }));
    } catch (caught) {
      setProblems(caught instanceof ProjectsApiError ? [...caught.problems] : []);
      setMessage(messageOf(caught, 'Cannot save the definition: something went wrong'));
    } finally {
      setBusy(false);
    }
  };

  if (loadError !== '') {
    return (
      <div className="page narrow-wide">
        <h1>Definition</h1>
        <p className="alert alert-error" role="alert">
          {loadError}
        </p>
      </div>
    );
  }
  if (definitionId !== undefined && loaded === undefined) {
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the definition…</p>
      </div>
    );
  }

  const heading =
    kind === 'cohort'
      ? definitionId === undefined
        ? 'Define a cohort'
        : `Cohort: ${cohort.name}`
      : definitionId === undefined
        ? 'Define variables'
        : `Variables: ${setName}`;
  const setNames = Object.keys(cohort.conceptSets ?? {});
  return (
    <div className="page narrow-wide cohort-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href={projectPaths.list}>Projects</Link>
          </li>
          <li>
            <Link href={projectPaths.project(projectId)}>Project</Link>
          </li>
          <li aria-current="page">{heading}</li>
        </ol>
      </nav>
      <h1>{heading}</h1>
      {loaded !== undefined && (
        <p className="hint">
          Version {loaded.version}; saving makes version {loaded.version + 1} (runs keep the version they
          used).
        </p>
      )}
      <p className="hint">
        Importing ATLAS/Circe cohort JSON is not offered here: the hub has no route for it yet (the cohort
        language can import it; see packages/omop).
      </p>
      <form className="form" onSubmit={(event) => void save(event)} noValidate>
        {message !== '' && (
          <div className="alert alert-error" role="alert">
            <p className="alert-title">The definition was not saved</p>
            <p>{message}</p>
            {problems.length > 0 && <p>The problems are marked beside their fields below.</p>}
          </div>
        )}
        {kind === 'cohort' ? (
          <CohortBuilder value={cohort} onChange={setCohort} problems={problems} />
        ) : (
          <>
            <TextField
              id="variables-name"
              label="Name of the set"
              required
              value={setName}
              onChange={setSetName}
            />
            <VariablesSection
              variables={variables}
              setNames={setNames}
              problems={problems}
              pointer=""
              onChange={setVariables}
            />
          </>
        )}
        <div className="form-actions button-row">
          <button type="submit" className="button" disabled={busy}>
            {definitionId === undefined ? 'Save' : 'Save a new version'}
          </button>
          <Link className="button button-secondary" href={projectPaths.project(projectId)}>
            Back to the project
          </Link>
        </div>
        <p className="status-line" role="status">
          {status}
        </p>
      </form>
    </div>
  );
}
