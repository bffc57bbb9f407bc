import { useMemo, useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { Link, navigate } from '../../router.tsx';
import { describeVariables } from '../../components/analysis/cohort-model.ts';
import { SelectField } from '../../components/analysis/form-fields.tsx';
import {
  checkValue,
  fieldModelOf,
  initialValue,
  pruneValue,
  type ValueProblem,
} from '../../components/analysis/json-schema.ts';
import { NumberedErrors } from '../../components/analysis/numbered-errors.tsx';
import { projectPaths } from '../../components/analysis/project-paths.ts';
import { projectsApi, type AlgorithmInfo, type Definition } from '../../components/analysis/projects-api.ts';
import { SchemaForm } from '../../components/analysis/schema-form.tsx';
import { messageOf, useHubValue } from '../../components/analysis/use-hub-value.ts';

const keyOf = (algorithm: Pick<AlgorithmInfo, 'name' | 'version'>) =>
  `${algorithm.name}@${algorithm.version}`;

/**
 * A new analysis: a saved cohort (and optionally a set of variables), an algorithm of the catalogue, and
 * its parameters in a form generated from the algorithm's JSON Schema; starting it sends it to the stations.
 */
export function AnalysisPage({ projectId }: { readonly projectId: string }) {
  useDocumentTitle('New analysis');
  const algorithms = useHubValue('algorithms', () => projectsApi.algorithms());
  const definitions = useHubValue(`definitions-${projectId}`, () => projectsApi.definitions(projectId));
  const cohorts = (definitions.value ?? []).filter((d) => d.kind === 'cohort');
  const variableSets = (definitions.value ?? []).filter((d) => d.kind === 'variables');
  const [cohortId, setCohortId] = useState('');
  const [variablesId, setVariablesId] = useState('');
  const [algorithmKey, setAlgorithmKey] = useState('');
  const [parameters, setParameters] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<ValueProblem[]>([]);
  const [messages, setMessages] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const chosenCohort: Definition | undefined = cohorts.find((d) => d.id === cohortId) ?? cohorts[0];
  const algorithm = (algorithms.value ?? []).find((a) => keyOf(a) === algorithmKey) ?? algorithms.value?.[0];
  const model = useMemo(() => fieldModelOf(algorithm?.parameters), [algorithm]);
  const variables = useMemo(() => {
    const own =
      (chosenCohort?.definition as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
    const extra = variableSets.find((d) => d.id === variablesId)?.definition as
      Record<string, unknown> | undefined;
    return describeVariables({ ...own, ...extra });
  }, [chosenCohort, variablesId, variableSets]);

  const chooseAlgorithm = (key: string) => {
    setAlgorithmKey(key);
    const next = (algorithms.value ?? []).find((a) => keyOf(a) === key);
    setParameters((initialValue(fieldModelOf(next?.parameters)) ?? {}) as Record<string, unknown>);
    setProblems([]);
  };
  // The first algorithm's required fields start filled in as well.
  if (algorithmKey === '' && algorithm !== undefined) chooseAlgorithm(keyOf(algorithm));

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkValue(model, parameters);
    setProblems(found);
    const blocking = [
      ...(chosenCohort === undefined ? ['Choose a cohort (define one first)'] : []),
      ...(algorithm === undefined ? ['Choose an algorithm'] : []),
      ...found.map((p) => `${p.path.slice(1).replace(/\//g, ' › ') || 'Parameters'}: ${p.message}`),
    ];
    setMessages(blocking);
    if (blocking.length > 0 || chosenCohort === undefined || algorithm === undefined) return;
    setBusy(true);
    try {
      const accepted = await projectsApi.startRun(projectId, {
        algorithm: { name: algorithm.name, version: algorithm.version },
        parameters: pruneValue(model, parameters) as Record<string, unknown>,
        cohort: { definitionId: chosenCohort.id },
        ...(variablesId === '' ? {} : { variables: { definitionId: variablesId } }),
      });
      navigate(projectPaths.run(projectId, accepted.id));
    } catch (caught) {
      setMessages([messageOf(caught, 'Cannot start the run: something went wrong')]);
      setBusy(false);
    }
  };

  return (
    <div className="page narrow-wide">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href={projectPaths.list}>Projects</Link>
          </li>
          <li>
            <Link href={projectPaths.project(projectId)}>Project</Link>
          </li>
          <li aria-current="page">New analysis</li>
        </ol>
      </nav>
      <h1>New analysis</h1>
      {(algorithms.error ?? definitions.error) !== null && (
        <p className="alert alert-error" role="alert">
          {(algorithms.error ?? definitions.error)?.message}
        </p>
      )}
      <form className="form" onSubmit={(event) => void start(event)} noValidate>
        <NumberedErrors title="The run was not started" problems={messages} />
        <SelectField
          id="analysis-cohort"
          label="Cohort"
          required
          value={chosenCohort?.id ?? ''}
          emptyLabel={cohorts.length === 0 ? 'No cohort defined yet' : undefined}
          options={cohorts.map((d) => [d.id, `${d.name} (version ${d.version})`] as const)}
          hint="The latest saved version is used; the run keeps a copy."
          onChange={setCohortId}
        />
        {cohorts.length === 0 && (
          <p>
            <Link href={projectPaths.newCohort(projectId)}>Define a cohort</Link> first.
          </p>
        )}
        {variableSets.length > 0 && (
          <SelectField
            id="analysis-variables"
            label="More variables"
            value={variablesId}
            emptyLabel="None"
            options={variableSets.map((d) => [d.id, `${d.name} (version ${d.version})`] as const)}
            hint="Added to the cohort's own variables (they win on a name clash)."
            onChange={setVariablesId}
          />
        )}
        <SelectField
          id="analysis-algorithm"
          label="Algorithm"
          required
          value={algorithm === undefined ? '' : keyOf(algorithm)}
          options={(algorithms.value ?? []).map((a) => [keyOf(a), `${a.title} (${keyOf(a)})`] as const)}
          hint={algorithm?.description}
          onChange={chooseAlgorithm}
        />
        {algorithm !== undefined && (
          <fieldset className="builder-section">
            <legend>Parameters of {algorithm.title}</legend>
            <SchemaForm
              key={keyOf(algorithm)}
              model={model}
              value={parameters}
              variables={variables}
              problems={problems}
              onChange={(next) => setParameters(next as Record<string, unknown>)}
            />
          </fieldset>
        )}
        <div className="button-row">
          <button type="submit" className="button" disabled={busy}>
            Start the run
          </button>
        </div>
      </form>
    </div>
  );
}
