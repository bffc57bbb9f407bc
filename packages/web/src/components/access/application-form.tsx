import { useEffect, useId, useRef, useState, type ChangeEvent, type FocusEvent, type ReactNode } from 'react';
import type { User } from '../../api-client.ts';
import { Link } from '../../router.tsx';
import {
  accessApi,
  attachmentPath,
  type Application,
  type ApplicationForm as Form,
  type MissingSection,
  type OrganisationType,
  type TeamMember,
} from './access-api.ts';
import { organisationTypeLabels, purposeGrounds } from './access-labels.ts';
import { useAlgorithms } from './use-algorithms.ts';
import { formatDateTime } from './clocks.ts';
import { DuoCheckList } from './duo-check-list.tsx';
import { draftOf, DraftProblem, formOf, sectionOf, type Draft } from './application-draft.ts';
import { useDatasets } from './use-datasets.ts';
import { messageOf } from './use-resource.ts';

/** The largest attachment the hub accepts. */
const maxAttachmentBytes = 5 * 1024 * 1024;

/** Reads a file as base64 (without the data-URL prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error(`Cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/** A section of the form: a card with a heading; leaving it saves the draft; lists what it still lacks. */
function Section(props: {
  readonly id: string;
  readonly title: string;
  readonly intro?: ReactNode;
  readonly missing: readonly MissingSection[];
  readonly onLeave: () => void;
  readonly children: ReactNode;
}) {
  const leave = (event: FocusEvent<HTMLElement>) => {
    const next = event.relatedTarget;
    if (next instanceof Node && event.currentTarget.contains(next)) return;
    props.onLeave();
  };
  const mine = props.missing.filter((m) => sectionOf(m.section) === props.id);
  return (
    <section
      id={`section-${props.id}`}
      className={mine.length > 0 ? 'card form-section has-missing' : 'card form-section'}
      aria-labelledby={`${props.id}-title`}
      tabIndex={-1}
      onBlur={leave}
    >
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.intro !== undefined && <p className="hint section-intro">{props.intro}</p>}
      {mine.length > 0 && (
        <ul className="missing-list" aria-label={`Still needed in ${props.title}`}>
          {mine.map((m) => (
            <li key={m.section}>{capitalise(m.message)}</li>
          ))}
        </ul>
      )}
      <div className="form">{props.children}</div>
    </section>
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A labelled multi-line text field. */
function TextArea(props: {
  readonly label: string;
  readonly hint?: string;
  readonly value: string;
  readonly rows?: number;
  readonly onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint !== undefined && (
        <p id={`${id}-hint`} className="hint">
          {props.hint}
        </p>
      )}
      <textarea
        id={id}
        rows={props.rows ?? 4}
        value={props.value}
        aria-describedby={props.hint === undefined ? undefined : `${id}-hint`}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

/** A labelled one-line text field. */
function TextField(props: {
  readonly label: string;
  readonly value: string;
  readonly type?: 'text' | 'email' | 'number';
  readonly autoComplete?: string;
  readonly onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        {...(props.autoComplete === undefined ? {} : { autoComplete: props.autoComplete })}
        {...(props.type === 'number' ? { min: 1, max: 120, inputMode: 'numeric' as const } : {})}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

/**
 * The application form in the sections of EHDS Art. 67, for its applicant while it is a draft or returned:
 * saves as a draft (and on leaving a section after a change), uploads attachments, and submits; what the
 * hub says is still missing is listed in each section once a submission was tried.
 */
export function ApplicationForm({
  application,
  user,
  onChange,
}: {
  readonly application: Application;
  readonly user: User;
  /** Called with the application as the hub answered a save or a command, and what to tell the user. */
  readonly onChange: (application: Application, message?: string) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(application, user));
  const [status, setStatus] = useState('');
  const [error, setError] = useState<{
    readonly message: string;
    readonly missing: readonly MissingSection[];
  } | null>(null);
  const [showMissing, setShowMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const dirty = useRef(false);
  const saving = useRef<Promise<Application | null>>(Promise.resolve(null));
  const errorBox = useRef<HTMLDivElement>(null);
  const latest = useRef({ draft, application });
  latest.current = { draft, application };
  const datasets = useDatasets(draft.datasets);
  const algorithms = useAlgorithms();

  const update = (change: Partial<Draft>) => {
    dirty.current = true;
    setDraft((current) => ({ ...current, ...change }));
  };

  /** Saves the form; saves run one after another, so that the last change is the one kept. */
  const save = (reason: 'draft' | 'autosave' | 'submit'): Promise<Application | null> => {
    const run = async (): Promise<Application | null> => {
      if (reason === 'autosave' && !dirty.current) return null;
      const { draft: current, application: app } = latest.current;
      let form: Form;
      try {
        form = formOf(current, app.kind, user);
      } catch (caught) {
        setError({ message: caught instanceof DraftProblem ? caught.message : 'Cannot save', missing: [] });
        return null;
      }
      dirty.current = false;
      try {
        const saved = await accessApi.saveForm(app.id, form);
        const at = formatDateTime(new Date().toISOString());
        setStatus(reason === 'autosave' ? `Draft saved automatically at ${at}.` : `Draft saved at ${at}.`);
        if (reason !== 'submit') setError(null);
        onChange(saved);
        return saved;
      } catch (caught) {
        dirty.current = true;
        setError({ message: messageOf(caught, 'Cannot save the draft'), missing: [] });
        return null;
      }
    };
    saving.current = saving.current.then(run, run);
    return saving.current;
  };

  const autosave = () => void save('autosave');

  const saveDraft = async () => {
    setBusy(true);
    dirty.current = true;
    await save('draft');
    setBusy(false);
  };

  const submit = async () => {
    setBusy(true);
    setError(null);
    dirty.current = true;
    const saved = await save('submit');
    if (saved !== null) {
      try {
        const submitted = await accessApi.command(saved.id, { command: 'submit' });
        onChange(submitted, 'Application submitted. The access body checks it for completeness first.');
      } catch (caught) {
        const missing = saved.completeness.missing;
        setShowMissing(true);
        setError({
          message:
            missing.length > 0
              ? 'The application cannot be submitted yet. Still needed:'
              : messageOf(caught, 'Cannot submit the application'),
          missing,
        });
      }
    }
    setBusy(false);
  };

  useEffect(() => {
    if (error !== null) errorBox.current?.focus();
  }, [error]);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const files = [...(input.files ?? [])];
    input.value = '';
    for (const file of files) {
      if (file.size > maxAttachmentBytes) {
        setError({ message: `Cannot attach ${file.name}: it is larger than 5 MB`, missing: [] });
        continue;
      }
      try {
        setStatus(`Uploading ${file.name}…`);
        await accessApi.uploadAttachment(application.id, {
          filename: file.name,
          mediaType: file.type || 'application/octet-stream',
          contentBase64: await readBase64(file),
        });
        onChange(await accessApi.application(application.id));
        setStatus(`Attached ${file.name}.`);
      } catch (caught) {
        setError({ message: messageOf(caught, `Cannot attach ${file.name}`), missing: [] });
      }
    }
  };

  const ids = {
    attachments: useId(),
    ground: useId(),
    me: useId(),
    algorithm: useId(),
    organisationType: useId(),
  };
  const titleOf = (id: string) =>
    datasets.get(id)?.steward?.title ?? application.datasets.find((d) => d.id === id)?.title ?? id;
  // The hub names a dataset whose terms are not accepted by its id; the applicant knows it by its title.
  const readable = (m: MissingSection): MissingSection =>
    m.section.startsWith('acceptedTerms.')
      ? { ...m, message: `accept the terms of ${titleOf(m.section.slice('acceptedTerms.'.length))}` }
      : m;
  const missing = showMissing ? application.completeness.missing.map(readable) : [];
  const setMember = (index: number, change: Partial<TeamMember>) =>
    update({ team: draft.team.map((m, i) => (i === index ? { ...m, ...change } : m)) });
  const sectionProps = (id: string) => ({ id, missing, onLeave: autosave });

  return (
    <div className="application-form">
      {error !== null && (
        <div className="alert alert-error" role="alert" tabIndex={-1} ref={errorBox}>
          <p className="alert-title">{error.message}</p>
          {error.missing.length > 0 && (
            <ul>
              {error.missing.map(readable).map((m) => (
                <li key={m.section}>
                  <a href={`#section-${sectionOf(m.section)}`}>{capitalise(m.message)}</a>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <Section
        {...sectionProps('summary')}
        title="Public summary"
        intro="Published in the public register as soon as the application is received: write it for the public, in plain words."
      >
        <TextArea
          label="Public summary"
          value={draft.publicSummary}
          onChange={(publicSummary) => update({ publicSummary })}
        />
      </Section>

      <Section {...sectionProps('applicant')} title="Applicant and team">
        <div className="field-grid">
          <TextField
            label="Your name"
            autoComplete="name"
            value={draft.applicant.name}
            onChange={(name) => update({ applicant: { ...draft.applicant, name } })}
          />
          <TextField
            label="Email address"
            type="email"
            autoComplete="email"
            value={draft.applicant.email}
            onChange={(email) => update({ applicant: { ...draft.applicant, email } })}
          />
          <TextField
            label="Organisation"
            autoComplete="organization"
            value={draft.applicant.organisation}
            onChange={(organisation) => update({ applicant: { ...draft.applicant, organisation } })}
          />
          <div className="field">
            <label htmlFor={ids.organisationType}>Kind of organisation</label>
            <select
              id={ids.organisationType}
              value={draft.applicant.organisationType}
              onChange={(e) =>
                update({
                  applicant: {
                    ...draft.applicant,
                    organisationType: e.target.value as OrganisationType | '',
                  },
                })
              }
            >
              <option value="">Choose…</option>
              {Object.entries(organisationTypeLabels).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <TextField
            label="Your role in the project"
            value={draft.applicant.role}
            onChange={(role) => update({ applicant: { ...draft.applicant, role } })}
          />
        </div>
        <h3>Team</h3>
        {draft.team.length === 0 && <p className="muted">No team members added.</p>}
        {draft.team.map((member, index) => (
          <fieldset key={index} className="team-member">
            <legend>Team member {index + 1}</legend>
            <div className="field-grid">
              <TextField label="Name" value={member.name} onChange={(name) => setMember(index, { name })} />
              <TextField
                label="Organisation"
                value={member.organisation}
                onChange={(organisation) => setMember(index, { organisation })}
              />
              <TextField label="Role" value={member.role} onChange={(role) => setMember(index, { role })} />
            </div>
            <div>
              <button
                type="button"
                className="button button-quiet button-small"
                onClick={() => update({ team: draft.team.filter((_, i) => i !== index) })}
              >
                Remove team member {index + 1}
              </button>
            </div>
          </fieldset>
        ))}
        <div>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => update({ team: [...draft.team, { name: '', organisation: '', role: '' }] })}
          >
            Add a team member
          </button>
        </div>
      </Section>

      <Section
        {...sectionProps('purpose')}
        title="Purpose"
        intro="Choose the ground of EHDS Art. 53(1) your use rests on, and explain what you will do and why."
      >
        <fieldset className="choice-group">
          <legend>Ground of Art. 53(1)</legend>
          {purposeGrounds.map((p) => (
            <div key={p.ground} className="choice">
              <input
                type="radio"
                id={`${ids.ground}-${p.ground}`}
                name={ids.ground}
                value={p.ground}
                checked={draft.ground === p.ground}
                aria-describedby={`${ids.ground}-${p.ground}-hint`}
                onChange={() => update({ ground: p.ground })}
              />
              <div>
                <label htmlFor={`${ids.ground}-${p.ground}`}>
                  ({p.ground}) {p.title}
                </label>
                <p id={`${ids.ground}-${p.ground}-hint`} className="hint">
                  {p.explanation}
                </p>
              </div>
            </div>
          ))}
        </fieldset>
        <TextArea
          label="Explanation of the purpose"
          hint="The research question or task, and why it needs these data (at least 20 characters)."
          value={draft.purposeDescription}
          onChange={(purposeDescription) => update({ purposeDescription })}
        />
      </Section>

      <Section
        {...sectionProps('datasets')}
        title="Datasets"
        intro="Each dataset's data-use conditions are checked against your purpose when you save. Accept each dataset's terms of use."
      >
        {draft.datasets.length === 0 ? (
          <p className="muted">
            No datasets. <Link href="/">Search the catalogue</Link> and add datasets to your basket.
          </p>
        ) : (
          <ul className="application-datasets">
            {draft.datasets.map((id) => {
              const view = datasets.get(id);
              const title =
                view?.steward?.title ?? application.datasets.find((d) => d.id === id)?.title ?? id;
              const datasetChecks = application.duoChecks.filter((c) => c.datasetId === id);
              const blocked = datasetChecks.some((c) => c.outcome === 'block');
              return (
                <li key={id} className={blocked ? 'application-dataset blocked' : 'application-dataset'}>
                  <h3>
                    <Link href={`/datasets/${id}`}>{title}</Link>
                  </h3>
                  {view?.steward && <p className="result-publisher">{view.steward.publisher.name}</p>}
                  <DuoCheckList conditions={view?.steward?.dataUseConditions ?? []} checks={datasetChecks} />
                  <div className="check-field">
                    <input
                      type="checkbox"
                      id={`terms-${id}`}
                      checked={draft.acceptedTerms.includes(id)}
                      onChange={(e) =>
                        update({
                          acceptedTerms: e.target.checked
                            ? [...draft.acceptedTerms, id]
                            : draft.acceptedTerms.filter((d) => d !== id),
                        })
                      }
                    />
                    <label htmlFor={`terms-${id}`}>
                      I accept the terms<span className="visually-hidden"> of {title}</span>
                    </label>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </Section>

      <Section {...sectionProps('linking')} title="Data to be linked">
        <TextArea
          label="Data to be linked"
          hint="Other data you will link to these datasets, and how; leave empty if none."
          value={draft.dataToBeLinked}
          onChange={(dataToBeLinked) => update({ dataToBeLinked })}
        />
      </Section>

      <Section {...sectionProps('processing')} title="Processing and safeguards">
        <TextArea
          label="Processing environment"
          hint="Where the analyses run and who can see what."
          value={draft.environment}
          onChange={(environment) => update({ environment })}
        />
        <TextArea
          label="Safeguards"
          hint="The technical and organisational measures against misuse and re-identification."
          value={draft.safeguards}
          onChange={(safeguards) => update({ safeguards })}
        />
      </Section>

      <Section {...sectionProps('analyses')} title="Requested analyses">
        <TextArea
          label="Requested analyses"
          hint="The analyses you will run, with the variables and statistical methods."
          value={draft.requestedAnalyses}
          onChange={(requestedAnalyses) => update({ requestedAnalyses })}
        />
        {application.kind === 'data-request' && (
          <>
            <div className="field-grid">
              <div className="field">
                <label htmlFor={ids.algorithm}>Algorithm</label>
                <select
                  id={ids.algorithm}
                  value={draft.algorithmName}
                  onChange={(e) =>
                    update({
                      algorithmName: e.target.value,
                      algorithmVersion:
                        algorithms.find((a) => a.name === e.target.value)?.version ?? draft.algorithmVersion,
                    })
                  }
                >
                  <option value="">Choose an algorithm</option>
                  {algorithms.map(({ name, title }) => (
                    <option key={name} value={name}>
                      {title}
                    </option>
                  ))}
                </select>
              </div>
              <TextField
                label="Algorithm version"
                value={draft.algorithmVersion}
                onChange={(algorithmVersion) => update({ algorithmVersion })}
              />
            </div>
            <TextArea
              label="Cohort (JSON)"
              hint="Who is counted, in Polder's cohort language."
              rows={6}
              value={draft.cohort}
              onChange={(cohort) => update({ cohort })}
            />
            <TextArea
              label="Parameters (JSON)"
              rows={3}
              value={draft.parameters}
              onChange={(parameters) => update({ parameters })}
            />
          </>
        )}
      </Section>

      <Section {...sectionProps('duration')} title="Duration">
        <TextField
          label="Duration of the permit in months"
          type="number"
          value={draft.durationMonths}
          onChange={(durationMonths) => update({ durationMonths })}
        />
      </Section>

      <Section
        {...sectionProps('users')}
        title="Named users"
        intro="Only the persons named here may run analyses under the permit."
      >
        <div className="check-field">
          <input
            type="checkbox"
            id={ids.me}
            checked={draft.includeMe}
            onChange={(e) => update({ includeMe: e.target.checked })}
          />
          <label htmlFor={ids.me}>Me ({user.name})</label>
        </div>
        <TextArea
          label="Other named users"
          hint="Their Polder user ids, one per line."
          rows={3}
          value={draft.otherUsers}
          onChange={(otherUsers) => update({ otherUsers })}
        />
      </Section>

      <section className="card form-section" aria-labelledby={`${ids.attachments}-title`}>
        <h2 id={`${ids.attachments}-title`}>Attachments</h2>
        <p className="hint section-intro">
          Such as the research protocol or an ethics committee&apos;s approval; up to 5 MB each.
        </p>
        {application.attachments.length > 0 && (
          <ul className="attachment-list">
            {application.attachments.map((a) => (
              <li key={a.id}>
                <a href={attachmentPath(application.id, a.id)} download={a.filename}>
                  {a.filename}
                </a>{' '}
                <span className="hint">{formatBytes(a.size)}</span>
              </li>
            ))}
          </ul>
        )}
        <div className="field">
          <label htmlFor={ids.attachments}>Add attachments</label>
          <input id={ids.attachments} type="file" multiple onChange={(e) => void upload(e)} />
        </div>
      </section>

      <div className="form-actions card">
        <p role="status" className="hint">
          {status}
        </p>
        <div className="button-row">
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => void saveDraft()}
          >
            Save draft
          </button>
          <button type="button" className="button" disabled={busy} onClick={() => void submit()}>
            {application.state === 'returned' ? 'Resubmit' : 'Submit'}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A file size in words: '812 bytes', '1.4 MB'. */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
