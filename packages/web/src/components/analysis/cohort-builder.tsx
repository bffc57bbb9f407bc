import { useEffect, useState } from 'react';
import {
  compact,
  domainNames,
  domainOf,
  domains,
  fieldIdOf,
  numericValues,
  parseCohortJson,
  problemsAt,
  problemsUnder,
  valueDomains,
  variableNamePattern,
  variableValueNames,
  variableValues,
  windowAnchors,
  withDomain,
  type CohortDefinition,
  type CohortWindow,
  type ConceptSelector,
  type ConceptSetItem,
  type DefinitionProblem,
  type Domain,
} from './cohort-model.ts';
import { CheckField, FieldNotes, NumberField, SelectField, TextField } from './form-fields.tsx';

/*
 * The cohort builder: a form over a cohort definition of the cohort language, section by section (concept
 * sets, entry event, inclusion rules, exit, variables), and a JSON view of the same definition; an edit in
 * either shows in the other. The hub's problems (JSON pointers) are shown beside the fields they name.
 */

const prefix = 'cohort';
const idOf = (pointer: string) => fieldIdOf(prefix, pointer);
const domainOptions = domains.map((d) => [d, domainNames[d]] as const);
const anchorNames: Readonly<Record<string, string>> = {
  'entry.start': 'Start of the entry event',
  'entry.end': 'End of the entry event',
  index: 'Index date',
};

interface BuilderProps {
  readonly value: CohortDefinition;
  readonly onChange: (next: CohortDefinition) => void;
  readonly problems: readonly DefinitionProblem[];
}

/** The cohort builder, with a form view and a JSON view of the same definition. */
export function CohortBuilder(props: BuilderProps) {
  const [view, setView] = useState<'form' | 'json'>('form');
  return (
    <div className="cohort-builder">
      <div className="view-switch" role="group" aria-label="Edit as">
        <button
          type="button"
          className="button button-small button-secondary"
          aria-pressed={view === 'form'}
          onClick={() => setView('form')}
        >
          Form
        </button>
        <button
          type="button"
          className="button button-small button-secondary"
          aria-pressed={view === 'json'}
          onClick={() => setView('json')}
        >
          JSON
        </button>
      </div>
      {view === 'form' ? <CohortForm {...props} /> : <CohortJson {...props} />}
    </div>
  );
}

/** The JSON view: edits apply as soon as the text is a definition; until then it says what is wrong. */
export function CohortJson({ value, onChange, problems }: BuilderProps) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [parseError, setParseError] = useState('');

  // A change made elsewhere (the form, a load) replaces the text unless the text already means the same.
  useEffect(() => {
    setText((current) => {
      const parsed = parseCohortJson(current);
      return parsed.ok && JSON.stringify(parsed.definition) === JSON.stringify(value)
        ? current
        : JSON.stringify(value, null, 2);
    });
  }, [value]);

  return (
    <div className="field">
      <label htmlFor="cohort-json">Cohort definition (JSON)</label>
      <textarea
        id="cohort-json"
        className="json-editor"
        spellCheck={false}
        rows={24}
        value={text}
        aria-invalid={parseError === '' ? undefined : true}
        aria-describedby="cohort-json-hint cohort-json-errors"
        onChange={(event) => {
          setText(event.target.value);
          const parsed = parseCohortJson(event.target.value);
          if (parsed.ok) {
            setParseError('');
            onChange(parsed.definition);
          } else setParseError(parsed.message);
        }}
      />
      <FieldNotes
        id="cohort-json"
        hint="The cohort language of packages/omop (concept sets, entry, inclusion, exit, variables). Changes show in the form."
        errors={[
          ...(parseError === '' ? [] : [parseError]),
          ...problems.map((p) => `${p.path === '' ? '(whole definition)' : p.path}: ${p.message}`),
        ]}
      />
    </div>
  );
}

function CohortForm({ value, onChange, problems }: BuilderProps) {
  const set = (changes: Partial<CohortDefinition>) => onChange(compact({ ...value, ...changes }));
  const setNames = Object.keys(value.conceptSets ?? {});
  return (
    <div className="form cohort-form">
      <TextField
        id={idOf('/name')}
        label="Cohort name"
        required
        value={value.name}
        onChange={(name) => set({ name })}
        errors={problemsAt(problems, '/name')}
      />
      <ConceptSetsSection
        conceptSets={value.conceptSets ?? {}}
        problems={problems}
        onChange={(conceptSets) => set({ conceptSets })}
      />
      <EntrySection
        entry={value.entry}
        setNames={setNames}
        problems={problems}
        onChange={(entry) => set({ entry })}
      />
      <InclusionSection
        rules={value.inclusion ?? []}
        setNames={setNames}
        problems={problems}
        onChange={(inclusion) => set({ inclusion })}
      />
      <ExitSection exit={value.exit} problems={problems} onChange={(exit) => set({ exit })} />
      <VariablesSection
        variables={value.variables ?? {}}
        setNames={setNames}
        problems={problems}
        onChange={(variables) => set({ variables })}
      />
    </div>
  );
}

/** A fieldset with a legend and the problems of its part of the definition that no field inside shows. */
function Section(props: {
  readonly legend: string;
  readonly pointer: string;
  readonly problems: readonly DefinitionProblem[];
  readonly children: React.ReactNode;
  readonly hint?: string;
}) {
  const own = problemsAt(props.problems, props.pointer);
  return (
    <fieldset className="builder-section" id={idOf(props.pointer)}>
      <legend>{props.legend}</legend>
      {props.hint !== undefined && <p className="hint">{props.hint}</p>}
      {own.length > 0 && (
        <ul className="field-errors">
          {own.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      {props.children}
    </fieldset>
  );
}

function ConceptSetsSection(props: {
  readonly conceptSets: Record<string, ConceptSetItem[]>;
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: Record<string, ConceptSetItem[]>) => void;
}) {
  const entries = Object.entries(props.conceptSets);
  const replaceAt = (index: number, name: string, items: ConceptSetItem[]) =>
    props.onChange(Object.fromEntries(entries.map((entry, i) => (i === index ? [name, items] : entry))));
  const addSet = () => {
    let n = entries.length + 1;
    while (`set${n}` in props.conceptSets) n += 1;
    props.onChange({ ...props.conceptSets, [`set${n}`]: [{ concept: 0 }] });
  };
  return (
    <Section
      legend="Concept sets"
      pointer="/conceptSets"
      problems={props.problems}
      hint="Named lists of OMOP concept ids that the entry, rules and variables refer to. Descendants come from the station's concept_ancestor."
    >
      {entries.length === 0 && <p className="muted">No concept sets yet.</p>}
      {entries.map(([name, items], index) => {
        const pointer = `/conceptSets/${name}`;
        return (
          <div className="builder-item" key={index}>
            <div className="builder-item-head">
              <TextField
                id={`${idOf(pointer)}-name-${index}`}
                label={`Name of concept set ${index + 1}`}
                value={name}
                onChange={(next) => replaceAt(index, next, items)}
              />
              <button
                type="button"
                className="button button-small button-quiet"
                onClick={() => props.onChange(Object.fromEntries(entries.filter((_, i) => i !== index)))}
              >
                Remove concept set {name}
              </button>
            </div>
            <FieldNotes id={idOf(pointer)} errors={problemsAt(props.problems, pointer)} />
            <table className="data-table concept-items">
              <caption className="visually-hidden">Concepts of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Concept id</th>
                  <th scope="col">Descendants</th>
                  <th scope="col">Exclude</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item, i) => {
                  const itemPointer = `${pointer}/${i}`;
                  const change = (next: Partial<ConceptSetItem>) =>
                    replaceAt(
                      index,
                      name,
                      items.map((old, j) => (j === i ? compact({ ...old, ...next }) : old)),
                    );
                  const errors = problemsUnder(props.problems, itemPointer);
                  return (
                    <tr key={i}>
                      <td>
                        <input
                          id={idOf(`${itemPointer}/concept`)}
                          type="number"
                          inputMode="numeric"
                          min={0}
                          step={1}
                          aria-label={`Concept id ${i + 1} of ${name}`}
                          aria-invalid={errors.length > 0 ? true : undefined}
                          value={Number.isFinite(item.concept) ? item.concept : ''}
                          onChange={(event) => change({ concept: Math.trunc(Number(event.target.value)) })}
                        />
                        <FieldNotes id={idOf(itemPointer)} errors={errors} />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Include descendants of concept ${i + 1} of ${name}`}
                          checked={item.descendants === true}
                          onChange={(event) => change({ descendants: event.target.checked || undefined })}
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Exclude concept ${i + 1} of ${name}`}
                          checked={item.exclude === true}
                          onChange={(event) => change({ exclude: event.target.checked || undefined })}
                        />
                      </td>
                      <td>
                        <button
                          type="button"
                          className="button button-small button-quiet"
                          disabled={items.length === 1}
                          onClick={() =>
                            replaceAt(
                              index,
                              name,
                              items.filter((_, j) => j !== i),
                            )
                          }
                        >
                          Remove
                          <span className="visually-hidden">
                            {' '}
                            concept {i + 1} of {name}
                          </span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <button
              type="button"
              className="button button-small button-secondary"
              onClick={() => replaceAt(index, name, [...items, { concept: 0 }])}
            >
              Add a concept to {name}
            </button>
          </div>
        );
      })}
      <button type="button" className="button button-small button-secondary" onClick={addSet}>
        Add a concept set
      </button>
    </Section>
  );
}

/** Which records of a domain: a concept set, one concept (with descendants), or any record. */
function SelectorFields(props: {
  readonly pointer: string;
  readonly label: string;
  readonly selector: ConceptSelector;
  readonly setNames: readonly string[];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: ConceptSelector) => void;
}) {
  const { selector, pointer } = props;
  const mode = selector.conceptSet !== undefined ? 'set' : selector.concept !== undefined ? 'concept' : 'any';
  return (
    <div className="field-grid">
      <SelectField
        id={idOf(`${pointer}/mode`)}
        label={`${props.label}: which records`}
        value={mode}
        options={[
          ['set', 'Concepts of a concept set'],
          ['concept', 'One concept'],
          ['any', 'Any record'],
        ]}
        errors={problemsAt(props.problems, pointer)}
        onChange={(next) =>
          props.onChange(
            next === 'set'
              ? { conceptSet: props.setNames[0] ?? '' }
              : next === 'concept'
                ? { concept: 0 }
                : {},
          )
        }
      />
      {mode === 'set' && (
        <SelectField
          id={idOf(`${pointer}/conceptSet`)}
          label={`${props.label}: concept set`}
          value={selector.conceptSet ?? ''}
          emptyLabel={props.setNames.length === 0 ? 'Define a concept set first' : 'Choose…'}
          options={props.setNames.map((name) => [name, name] as const)}
          errors={problemsAt(props.problems, `${pointer}/conceptSet`)}
          onChange={(conceptSet) => props.onChange({ conceptSet })}
        />
      )}
      {mode === 'concept' && (
        <>
          <NumberField
            id={idOf(`${pointer}/concept`)}
            label={`${props.label}: concept id`}
            integer
            min={0}
            value={selector.concept}
            errors={problemsAt(props.problems, `${pointer}/concept`)}
            onChange={(concept) => props.onChange(compact({ ...selector, concept: concept ?? 0 }))}
          />
          <CheckField
            id={idOf(`${pointer}/descendants`)}
            label="With descendants"
            checked={selector.descendants === true}
            onChange={(descendants) =>
              props.onChange(compact({ ...selector, descendants: descendants || undefined }))
            }
          />
        </>
      )}
    </div>
  );
}

function DomainCriterionFields(props: {
  readonly pointer: string;
  readonly label: string;
  readonly criterion: Record<string, unknown>;
  readonly setNames: readonly string[];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: Record<string, unknown>) => void;
  readonly allowedDomains?: readonly Domain[];
}) {
  const found = domainOf(props.criterion);
  const domain = found?.domain ?? 'condition';
  const allowed = props.allowedDomains ?? domains;
  return (
    <>
      <SelectField
        id={idOf(`${props.pointer}/domain`)}
        label={`${props.label}: domain`}
        value={domain}
        options={domainOptions.filter(([d]) => allowed.includes(d))}
        onChange={(next) => props.onChange(withDomain(props.criterion, next as Domain))}
      />
      <SelectorFields
        pointer={`${props.pointer}/${domain}`}
        label={props.label}
        selector={found?.selector ?? {}}
        setNames={props.setNames}
        problems={props.problems}
        onChange={(selector) => props.onChange(withDomain(props.criterion, domain, selector))}
      />
    </>
  );
}

function EntrySection(props: {
  readonly entry: Record<string, unknown>;
  readonly setNames: readonly string[];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: Record<string, unknown>) => void;
}) {
  const { entry } = props;
  const set = (changes: Record<string, unknown>) => props.onChange(compact({ ...entry, ...changes }));
  const window = entry['observationWindow'] as { priorDays: number; postDays: number } | undefined;
  return (
    <Section
      legend="Entry event"
      pointer="/entry"
      problems={props.problems}
      hint="The event that puts a person in the cohort; its start (or end) is the index date."
    >
      {'anyOf' in entry ? (
        <p className="alert alert-warning">
          This entry lists several events (anyOf); edit it in the JSON view.
        </p>
      ) : (
        <div className="field-grid">
          <DomainCriterionFields
            pointer="/entry"
            label="Entry event"
            criterion={entry}
            setNames={props.setNames}
            problems={props.problems}
            onChange={props.onChange}
          />
        </div>
      )}
      <div className="field-grid">
        <CheckField
          id={idOf('/entry/first')}
          label="Only each person's first such event"
          checked={entry['first'] === true}
          onChange={(first) => set({ first: first || undefined })}
        />
        <SelectField
          id={idOf('/entry/indexAt')}
          label="Index date at the event's"
          value={typeof entry['indexAt'] === 'string' ? entry['indexAt'] : 'start'}
          options={[
            ['start', 'Start'],
            ['end', 'End'],
          ]}
          errors={problemsAt(props.problems, '/entry/indexAt')}
          onChange={(indexAt) => set({ indexAt: indexAt === 'start' ? undefined : indexAt })}
        />
        <NumberField
          id={idOf('/entry/observationWindow/priorDays')}
          label="Days observed before index"
          integer
          min={0}
          placeholder="0"
          value={window?.priorDays}
          errors={problemsUnder(props.problems, '/entry/observationWindow')}
          onChange={(priorDays) =>
            set({
              observationWindow:
                (priorDays ?? 0) === 0 && (window?.postDays ?? 0) === 0
                  ? undefined
                  : { priorDays: priorDays ?? 0, postDays: window?.postDays ?? 0 },
            })
          }
        />
        <NumberField
          id={idOf('/entry/observationWindow/postDays')}
          label="Days observed after index"
          integer
          min={0}
          placeholder="0"
          value={window?.postDays}
          onChange={(postDays) =>
            set({
              observationWindow:
                (postDays ?? 0) === 0 && (window?.priorDays ?? 0) === 0
                  ? undefined
                  : { priorDays: window?.priorDays ?? 0, postDays: postDays ?? 0 },
            })
          }
        />
      </div>
    </Section>
  );
}

/** A window: any time, days relative to the index date, or between points of the entry event. */
function WindowFields(props: {
  readonly pointer: string;
  readonly label: string;
  readonly window: CohortWindow | undefined;
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: CohortWindow | undefined) => void;
  readonly allowAnyTime?: boolean;
}) {
  const { window, pointer } = props;
  const mode = window === undefined ? 'any' : 'from' in window ? 'anchors' : 'days';
  const errors = problemsUnder(props.problems, pointer);
  return (
    <>
      <SelectField
        id={idOf(`${pointer}/mode`)}
        label={`${props.label}: when`}
        value={mode}
        options={[
          ...(props.allowAnyTime === false ? [] : [['any', 'Any time'] as const]),
          ['days', 'Days relative to the index date'],
          ['anchors', 'Between points of the entry event'],
        ]}
        errors={errors}
        onChange={(next) =>
          props.onChange(
            next === 'any'
              ? undefined
              : next === 'days'
                ? { fromDays: -365, toDays: 0 }
                : { from: 'entry.start', to: 'entry.end' },
          )
        }
      />
      {window !== undefined && 'from' in window && (
        <>
          <SelectField
            id={idOf(`${pointer}/from`)}
            label={`${props.label}: from`}
            value={window.from}
            options={windowAnchors.map((a) => [a, anchorNames[a] ?? a] as const)}
            onChange={(from) => props.onChange({ ...window, from: from as typeof window.from })}
          />
          <SelectField
            id={idOf(`${pointer}/to`)}
            label={`${props.label}: to`}
            value={window.to}
            options={windowAnchors.map((a) => [a, anchorNames[a] ?? a] as const)}
            onChange={(to) => props.onChange({ ...window, to: to as typeof window.to })}
          />
        </>
      )}
      {window !== undefined && !('from' in window) && (
        <>
          <NumberField
            id={idOf(`${pointer}/fromDays`)}
            label={`${props.label}: from day`}
            hint="Negative: before the index date; empty: open"
            integer
            value={window.fromDays}
            onChange={(fromDays) => props.onChange(compact({ ...window, fromDays }))}
          />
          <NumberField
            id={idOf(`${pointer}/toDays`)}
            label={`${props.label}: to day`}
            hint="Empty: open"
            integer
            value={window.toDays}
            onChange={(toDays) => props.onChange(compact({ ...window, toDays }))}
          />
        </>
      )}
    </>
  );
}

type RuleKind = 'age' | 'sex' | 'occurrence';

function ruleKindOf(rule: Record<string, unknown>): RuleKind {
  if ('age' in rule) return 'age';
  if ('sex' in rule) return 'sex';
  return 'occurrence';
}

function InclusionSection(props: {
  readonly rules: Record<string, unknown>[];
  readonly setNames: readonly string[];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: Record<string, unknown>[]) => void;
}) {
  const replace = (index: number, rule: Record<string, unknown>) =>
    props.onChange(props.rules.map((old, i) => (i === index ? compact(rule) : old)));
  return (
    <Section
      legend="Inclusion rules"
      pointer="/inclusion"
      problems={props.problems}
      hint="An entry event stays when it passes every rule."
    >
      {props.rules.length === 0 && <p className="muted">No inclusion rules: every entry event counts.</p>}
      {props.rules.map((rule, index) => {
        const pointer = `/inclusion/${index}`;
        const kind = ruleKindOf(rule);
        const name = typeof rule['name'] === 'string' ? rule['name'] : '';
        const age = (rule['age'] ?? {}) as { min?: number; max?: number };
        const label = `Rule ${index + 1}`;
        return (
          <div className="builder-item" key={index}>
            <h3>
              {label}
              {name === '' ? '' : `: ${name}`}
            </h3>
            <div className="field-grid">
              <TextField
                id={idOf(`${pointer}/name`)}
                label={`${label}: name`}
                required
                value={name}
                errors={problemsAt(props.problems, `${pointer}/name`)}
                onChange={(next) => replace(index, { ...rule, name: next })}
              />
              <SelectField
                id={idOf(`${pointer}/kind`)}
                label={`${label}: kind`}
                value={kind}
                options={[
                  ['age', 'Age at index'],
                  ['sex', 'Sex'],
                  ['occurrence', 'Records of a domain in a window'],
                ]}
                errors={problemsAt(props.problems, pointer)}
                onChange={(next) =>
                  replace(
                    index,
                    next === 'age'
                      ? { name, age: { min: 18 } }
                      : next === 'sex'
                        ? { name, sex: 'female' }
                        : { name, condition: {}, window: { toDays: -1 } },
                  )
                }
              />
              {kind === 'age' && (
                <>
                  <NumberField
                    id={idOf(`${pointer}/age/min`)}
                    label={`${label}: minimum age`}
                    integer
                    min={0}
                    max={150}
                    value={age.min}
                    errors={problemsUnder(props.problems, `${pointer}/age`)}
                    onChange={(min) => replace(index, { ...rule, age: compact({ ...age, min }) })}
                  />
                  <NumberField
                    id={idOf(`${pointer}/age/max`)}
                    label={`${label}: maximum age`}
                    integer
                    min={0}
                    max={150}
                    value={age.max}
                    onChange={(max) => replace(index, { ...rule, age: compact({ ...age, max }) })}
                  />
                </>
              )}
              {kind === 'sex' && (
                <SelectField
                  id={idOf(`${pointer}/sex`)}
                  label={`${label}: sex`}
                  value={rule['sex'] === 8507 || rule['sex'] === 'male' ? 'male' : 'female'}
                  options={[
                    ['female', 'Female'],
                    ['male', 'Male'],
                  ]}
                  errors={problemsAt(props.problems, `${pointer}/sex`)}
                  onChange={(sex) => replace(index, { ...rule, sex })}
                />
              )}
              {kind === 'occurrence' && (
                <>
                  <DomainCriterionFields
                    pointer={pointer}
                    label={label}
                    criterion={rule}
                    setNames={props.setNames}
                    problems={props.problems}
                    onChange={(next) => replace(index, next)}
                  />
                  <WindowFields
                    pointer={`${pointer}/window`}
                    label={label}
                    window={rule['window'] as CohortWindow | undefined}
                    problems={props.problems}
                    onChange={(window) => replace(index, { ...rule, window })}
                  />
                  <NumberField
                    id={idOf(`${pointer}/occurrences/min`)}
                    label={`${label}: at least (records)`}
                    integer
                    min={0}
                    placeholder="1"
                    value={(rule['occurrences'] as { min?: number } | undefined)?.min}
                    errors={problemsUnder(props.problems, `${pointer}/occurrences`)}
                    onChange={(min) => {
                      const occurrences = compact({ ...(rule['occurrences'] as object), min });
                      replace(index, {
                        ...rule,
                        occurrences: Object.keys(occurrences).length === 0 ? undefined : occurrences,
                      });
                    }}
                  />
                  <NumberField
                    id={idOf(`${pointer}/occurrences/max`)}
                    label={`${label}: at most (records)`}
                    integer
                    min={0}
                    value={(rule['occurrences'] as { max?: number } | undefined)?.max}
                    onChange={(max) => {
                      const occurrences = compact({ ...(rule['occurrences'] as object), max });
                      replace(index, {
                        ...rule,
                        occurrences: Object.keys(occurrences).length === 0 ? undefined : occurrences,
                      });
                    }}
                  />
                  <CheckField
                    id={idOf(`${pointer}/negate`)}
                    label="Negate: the rule passes when this is NOT found"
                    checked={rule['negate'] === true}
                    onChange={(negate) => replace(index, { ...rule, negate: negate || undefined })}
                  />
                </>
              )}
            </div>
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={() => props.onChange(props.rules.filter((_, i) => i !== index))}
            >
              Remove rule {index + 1}
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="button button-small button-secondary"
        onClick={() =>
          props.onChange([...props.rules, { name: `rule ${props.rules.length + 1}`, age: { min: 18 } }])
        }
      >
        Add an inclusion rule
      </button>
    </Section>
  );
}

function ExitSection(props: {
  readonly exit: CohortDefinition['exit'];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: CohortDefinition['exit']) => void;
}) {
  const exit = props.exit;
  const fixed = exit !== undefined && 'fixedDays' in exit ? exit : undefined;
  return (
    <Section legend="Exit" pointer="/exit" problems={props.problems} hint="When a person leaves the cohort.">
      <div className="field-grid">
        <SelectField
          id={idOf('/exit/mode')}
          label="Leaves the cohort at"
          value={fixed === undefined ? 'end' : 'fixed'}
          options={[
            ['end', 'The end of the observation period'],
            ['fixed', 'A fixed number of days after entry'],
          ]}
          onChange={(mode) =>
            props.onChange(mode === 'end' ? { endOfObservation: true } : { fixedDays: 365 })
          }
        />
        {fixed !== undefined && (
          <>
            <NumberField
              id={idOf('/exit/fixedDays')}
              label="Days after entry"
              integer
              min={0}
              value={fixed.fixedDays}
              errors={problemsAt(props.problems, '/exit/fixedDays')}
              onChange={(fixedDays) => props.onChange(compact({ ...fixed, fixedDays: fixedDays ?? 0 }))}
            />
            <SelectField
              id={idOf('/exit/from')}
              label="Counted from the entry event's"
              value={fixed.from ?? 'start'}
              options={[
                ['start', 'Start'],
                ['end', 'End'],
              ]}
              onChange={(from) =>
                props.onChange(compact({ ...fixed, from: from === 'start' ? undefined : (from as 'end') }))
              }
            />
          </>
        )}
      </div>
    </Section>
  );
}

type VariableKind = 'age' | 'sex' | 'domain';

/** The variables' editor: one row of fields per variable (also used for a project's variable sets). */
export function VariablesSection(props: {
  readonly variables: Record<string, Record<string, unknown>>;
  readonly setNames: readonly string[];
  readonly problems: readonly DefinitionProblem[];
  readonly onChange: (next: Record<string, Record<string, unknown>>) => void;
  readonly pointer?: string;
}) {
  const base = props.pointer ?? '/variables';
  const entries = Object.entries(props.variables);
  const replaceAt = (index: number, name: string, variable: Record<string, unknown>) =>
    props.onChange(
      Object.fromEntries(entries.map((entry, i) => (i === index ? [name, compact(variable)] : entry))),
    );
  const addVariable = () => {
    let n = entries.length + 1;
    while (`variable${n}` in props.variables) n += 1;
    props.onChange({
      ...props.variables,
      [`variable${n}`]: { condition: {}, value: 'exists', window: { toDays: -1 } },
    });
  };
  return (
    <Section
      legend="Variables"
      pointer={base}
      problems={props.problems}
      hint="Computed per person at the index date; the analyses use them by name. A days-to-event variable also gives <name>_event (0/1)."
    >
      {entries.length === 0 && <p className="muted">No variables yet.</p>}
      {entries.map(([name, variable], index) => {
        const pointer = `${base}/${name}`;
        const kind: VariableKind = 'age' in variable ? 'age' : 'sex' in variable ? 'sex' : 'domain';
        const value = typeof variable['value'] === 'string' ? variable['value'] : 'exists';
        const domain = domainOf(variable)?.domain;
        const label = `Variable ${index + 1}`;
        const nameErrors = variableNamePattern.test(name)
          ? problemsAt(props.problems, pointer)
          : [
              'A name starts with a lower-case letter, then letters, digits or _ (at most 63)',
              ...problemsAt(props.problems, pointer),
            ];
        return (
          <div className="builder-item" key={index}>
            <h3>
              {label}: {name}
            </h3>
            <div className="field-grid">
              <TextField
                id={idOf(`${pointer}/name-${index}`)}
                label={`${label}: name`}
                required
                value={name}
                errors={nameErrors}
                onChange={(next) => replaceAt(index, next, variable)}
              />
              <SelectField
                id={idOf(`${pointer}/kind-${index}`)}
                label={`${label}: kind`}
                value={kind}
                options={[
                  ['age', 'Age at index'],
                  ['sex', 'Sex'],
                  ['domain', 'From records of a domain'],
                ]}
                onChange={(next) =>
                  replaceAt(
                    index,
                    name,
                    next === 'age'
                      ? { age: 'index' }
                      : next === 'sex'
                        ? { sex: 'label' }
                        : { condition: {}, value: 'exists', window: { toDays: -1 } },
                  )
                }
              />
              {kind === 'sex' && (
                <SelectField
                  id={idOf(`${pointer}/sex`)}
                  label={`${label}: as`}
                  value={variable['sex'] === 'concept' ? 'concept' : 'label'}
                  options={[
                    ['label', 'Text (male, female, other, unknown)'],
                    ['concept', 'OMOP gender concept id'],
                  ]}
                  onChange={(sex) => replaceAt(index, name, { sex })}
                />
              )}
              {kind === 'domain' && (
                <>
                  <DomainCriterionFields
                    pointer={pointer}
                    label={label}
                    criterion={variable}
                    setNames={props.setNames}
                    problems={props.problems}
                    onChange={(next) => {
                      const nextDomain = domainOf(next)?.domain;
                      const keepsValue =
                        !numericValues.includes(value as never) ||
                        (nextDomain !== undefined && valueDomains.includes(nextDomain));
                      replaceAt(index, name, keepsValue ? next : { ...next, value: 'exists' });
                    }}
                  />
                  <SelectField
                    id={idOf(`${pointer}/value`)}
                    label={`${label}: value`}
                    value={value}
                    options={variableValues
                      .filter(
                        (v) =>
                          !numericValues.includes(v) ||
                          (domain !== undefined && valueDomains.includes(domain)),
                      )
                      .map((v) => [v, variableValueNames[v]] as const)}
                    errors={problemsAt(props.problems, `${pointer}/value`)}
                    onChange={(next) =>
                      replaceAt(
                        index,
                        name,
                        next === 'daysToEvent'
                          ? compact({ ...variable, value: next, window: undefined, censorAtDays: 365 })
                          : compact({
                              ...variable,
                              value: next,
                              censorAtDays: undefined,
                              window: (variable['window'] as CohortWindow | undefined) ?? { toDays: 0 },
                            }),
                      )
                    }
                  />
                  {value === 'daysToEvent' ? (
                    <>
                      <NumberField
                        id={idOf(`${pointer}/window/fromDays`)}
                        label={`${label}: count events from day`}
                        hint="Default: 0 for death, else 1 (the day after index)"
                        integer
                        value={(variable['window'] as { fromDays?: number } | undefined)?.fromDays}
                        errors={problemsUnder(props.problems, `${pointer}/window`)}
                        onChange={(fromDays) =>
                          replaceAt(index, name, {
                            ...variable,
                            window: fromDays === undefined ? undefined : { fromDays },
                          })
                        }
                      />
                      <NumberField
                        id={idOf(`${pointer}/censorAtDays`)}
                        label={`${label}: censor after (days)`}
                        hint="Follow-up ends here, or at the end of observation"
                        integer
                        min={1}
                        value={variable['censorAtDays'] as number | undefined}
                        errors={problemsAt(props.problems, `${pointer}/censorAtDays`)}
                        onChange={(censorAtDays) => replaceAt(index, name, { ...variable, censorAtDays })}
                      />
                    </>
                  ) : (
                    <WindowFields
                      pointer={`${pointer}/window`}
                      label={label}
                      allowAnyTime={false}
                      window={variable['window'] as CohortWindow | undefined}
                      problems={props.problems}
                      onChange={(window) => replaceAt(index, name, { ...variable, window })}
                    />
                  )}
                </>
              )}
            </div>
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={() => props.onChange(Object.fromEntries(entries.filter((_, i) => i !== index)))}
            >
              Remove variable {name}
            </button>
          </div>
        );
      })}
      <button type="button" className="button button-small button-secondary" onClick={addVariable}>
        Add a variable
      </button>
    </Section>
  );
}
