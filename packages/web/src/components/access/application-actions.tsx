import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { accessApi, type Application, type Command, type CommandName, type Opinion } from './access-api.ts';
import { opinionLabels } from './access-labels.ts';
import { useAlgorithms } from './use-algorithms.ts';
import { messageOf } from './use-resource.ts';

/** What a command form needs: the application, and where to report the hub's answer. */
interface ActionProps {
  readonly application: Application;
  readonly onChange: (application: Application, message: string) => void;
}

/**
 * One command as a small form: a heading, its fields, a button; shows the hub's refusal (a 409 names the
 * state, a 403 the role) next to the button.
 */
function CommandForm(props: {
  readonly title: string;
  readonly description?: ReactNode;
  readonly submitLabel: string;
  readonly tone?: 'danger' | 'primary';
  readonly application: Application;
  /** The command to send, or a message saying what is missing. */
  readonly build: () => Command | string;
  readonly done: string;
  readonly onChange: ActionProps['onChange'];
  readonly children?: ReactNode;
}) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const command = props.build();
    if (typeof command === 'string') {
      setError(command);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await accessApi.command(props.application.id, command);
      props.onChange(answer, props.done);
    } catch (caught) {
      setError(messageOf(caught, `Cannot ${props.submitLabel.toLowerCase()}`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="action-form" aria-labelledby={`${id}-title`} onSubmit={(e) => void send(e)} noValidate>
      <h3 id={`${id}-title`}>{props.title}</h3>
      {props.description !== undefined && <p className="hint">{props.description}</p>}
      {props.children}
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div>
        <button
          type="submit"
          className={
            props.tone === 'danger'
              ? 'button button-danger'
              : props.tone === 'primary'
                ? 'button'
                : 'button button-secondary'
          }
          disabled={busy}
        >
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}

/** A labelled, required multi-line field for a comment or a reason. */
function ReasonField(props: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly required?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required === true ? '' : ' (optional)'}
      </label>
      <textarea
        id={id}
        rows={3}
        value={props.value}
        required={props.required === true}
        aria-required={props.required === true}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

function ReturnForChanges(props: ActionProps) {
  const [comment, setComment] = useState('');
  return (
    <CommandForm
      {...props}
      title="Return for changes"
      description="The applicant gets four weeks to complete the application."
      submitLabel="Return for changes"
      done="Returned to the applicant for changes."
      build={() =>
        comment.trim() === ''
          ? 'Say what the applicant must change: a comment is required.'
          : { command: 'return', comment: comment.trim() }
      }
    >
      <ReasonField label="What must change" required value={comment} onChange={setComment} />
    </CommandForm>
  );
}

function MarkComplete(props: ActionProps) {
  return (
    <CommandForm
      {...props}
      title="Completeness"
      description="Marking the application complete starts the three-month decision clock."
      submitLabel="Mark complete"
      tone="primary"
      done="Marked complete: the decision clock runs."
      build={() => ({ command: 'mark-complete' })}
    />
  );
}

function InviteReviewer(props: ActionProps) {
  const id = useId();
  const [reviewerId, setReviewerId] = useState('');
  const invited = props.application.reviewers;
  return (
    <CommandForm
      {...props}
      title="Invite a reviewer"
      submitLabel="Invite reviewer"
      done="Reviewer invited."
      build={() =>
        /^[0-9a-f-]{36}$/i.test(reviewerId.trim())
          ? { command: 'invite-reviewer', reviewerId: reviewerId.trim() }
          : "Enter the reviewer's user id."
      }
    >
      {invited.length > 0 && <p className="hint">Invited: {invited.map((r) => r.name).join(', ')}.</p>}
      <div className="field">
        <label htmlFor={id}>Reviewer&apos;s user id</label>
        <input
          id={id}
          className="code"
          autoComplete="off"
          spellCheck={false}
          value={reviewerId}
          onChange={(e) => setReviewerId(e.target.value)}
        />
      </div>
    </CommandForm>
  );
}

function ExtendDeadline(props: ActionProps) {
  const [reason, setReason] = useState('');
  if (props.application.deadlines.extended) {
    return (
      <p className="hint">The decision deadline was extended once already; it cannot be extended again.</p>
    );
  }
  return (
    <CommandForm
      {...props}
      title="Extend the decision deadline"
      description="Once, by three months, with a reason the applicant sees."
      submitLabel="Extend deadline"
      done="The decision deadline was extended by three months."
      build={() =>
        reason.trim() === ''
          ? 'Give the reason for the extension.'
          : { command: 'extend-deadline', reason: reason.trim() }
      }
    >
      <ReasonField label="Reason" required value={reason} onChange={setReason} />
    </CommandForm>
  );
}

function GiveOpinion(props: ActionProps) {
  const name = useId();
  const [opinion, setOpinion] = useState<Opinion | ''>('');
  const [comment, setComment] = useState('');
  return (
    <CommandForm
      {...props}
      title="Your opinion"
      description="The decider sees your opinion and comment before deciding."
      submitLabel="Give opinion"
      tone="primary"
      done="Your opinion was recorded."
      build={() =>
        opinion === ''
          ? 'Choose an opinion.'
          : comment.trim() === ''
            ? 'Explain your opinion in a comment.'
            : { command: 'give-opinion', opinion, comment: comment.trim() }
      }
    >
      <fieldset className="choice-group inline">
        <legend>Opinion</legend>
        {(Object.keys(opinionLabels) as Opinion[]).map((value) => (
          <div key={value} className="choice">
            <input
              type="radio"
              id={`${name}-${value}`}
              name={name}
              checked={opinion === value}
              onChange={() => setOpinion(value)}
            />
            <label htmlFor={`${name}-${value}`}>{opinionLabels[value]}</label>
          </div>
        ))}
      </fieldset>
      <ReasonField label="Comment" required value={comment} onChange={setComment} />
    </CommandForm>
  );
}

function Approve(props: ActionProps) {
  const ids = {
    months: useId(),
    from: useId(),
    minCount: useId(),
    roundTo: useId(),
    epsilon: useId(),
    delta: useId(),
    dp: useId(),
  };
  const [months, setMonths] = useState(String(props.application.form.duration?.months ?? 12));
  const [validFrom, setValidFrom] = useState('');
  const catalogue = useAlgorithms();
  const [algorithms, setAlgorithms] = useState<readonly string[]>(['count', 'summary']);
  const [minCount, setMinCount] = useState('');
  const [roundTo, setRoundTo] = useState('');
  const [useBudget, setUseBudget] = useState(false);
  const [epsilon, setEpsilon] = useState('1');
  const [delta, setDelta] = useState('');
  const [comment, setComment] = useState('');

  const build = (): Command | string => {
    const duration = Number.parseInt(months, 10);
    if (!Number.isInteger(duration) || duration < 1 || duration > 120)
      return 'The duration must be 1 to 120 months.';
    if (algorithms.length === 0) return 'Allow at least one algorithm.';
    const whole = (text: string) => (text.trim() === '' ? undefined : Number.parseInt(text, 10));
    const min = whole(minCount);
    const round = whole(roundTo);
    if ((min !== undefined && !(min >= 1)) || (round !== undefined && !(round >= 1))) {
      return 'Disclosure settings must be whole numbers of at least 1.';
    }
    const eps = Number.parseFloat(epsilon);
    const del = delta.trim() === '' ? undefined : Number.parseFloat(delta);
    if (useBudget && !(eps > 0)) return 'The privacy budget ε must be above 0.';
    if (useBudget && del !== undefined && !(del >= 0 && del < 1)) return 'δ must be at least 0 and below 1.';
    const disclosure = {
      ...(min === undefined ? {} : { minCount: min }),
      ...(round === undefined ? {} : { roundTo: round }),
    };
    return {
      command: 'approve',
      ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
      permit: {
        ...(validFrom === '' ? {} : { validFrom: new Date(`${validFrom}T00:00:00Z`).toISOString() }),
        months: duration,
        algorithms: [...algorithms],
        ...(Object.keys(disclosure).length === 0 ? {} : { disclosure }),
        ...(useBudget
          ? { privacyBudget: { epsilon: eps, ...(del === undefined ? {} : { delta: del }) } }
          : {}),
      },
    };
  };

  return (
    <CommandForm
      {...props}
      title="Approve and issue the permit"
      description="The permit is signed by the hub and takes effect at every station at once."
      submitLabel="Approve"
      tone="primary"
      done="Approved: the permit is issued and published in the register."
      build={build}
    >
      <div className="field-grid">
        <div className="field">
          <label htmlFor={ids.months}>Duration in months</label>
          <input
            id={ids.months}
            type="number"
            min={1}
            max={120}
            inputMode="numeric"
            value={months}
            onChange={(e) => setMonths(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.from}>Valid from (optional)</label>
          <input id={ids.from} type="date" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} />
        </div>
      </div>
      <fieldset className="choice-group">
        <legend>Allowed algorithms</legend>
        {catalogue.map(({ name, title: label }) => (
          <div key={name} className="choice">
            <input
              type="checkbox"
              id={`${ids.months}-alg-${name}`}
              checked={algorithms.includes(name)}
              onChange={(e) =>
                setAlgorithms(e.target.checked ? [...algorithms, name] : algorithms.filter((a) => a !== name))
              }
            />
            <label htmlFor={`${ids.months}-alg-${name}`}>{label}</label>
          </div>
        ))}
      </fieldset>
      <fieldset className="choice-group">
        <legend>Disclosure settings</legend>
        <p className="hint">
          Only ever stricter than a station&apos;s own policy; leave empty to keep the stations&apos; own.
        </p>
        <div className="field-grid">
          <div className="field">
            <label htmlFor={ids.minCount}>Smallest count shown</label>
            <input
              id={ids.minCount}
              type="number"
              min={1}
              inputMode="numeric"
              value={minCount}
              onChange={(e) => setMinCount(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.roundTo}>Round counts to</label>
            <input
              id={ids.roundTo}
              type="number"
              min={1}
              inputMode="numeric"
              value={roundTo}
              onChange={(e) => setRoundTo(e.target.value)}
            />
          </div>
        </div>
      </fieldset>
      <div className="check-field">
        <input
          type="checkbox"
          id={ids.dp}
          checked={useBudget}
          onChange={(e) => setUseBudget(e.target.checked)}
        />
        <label htmlFor={ids.dp}>Add a differential-privacy budget</label>
      </div>
      {useBudget && (
        <div className="field-grid">
          <div className="field">
            <label htmlFor={ids.epsilon}>Budget ε</label>
            <input
              id={ids.epsilon}
              type="number"
              min={0}
              step="0.1"
              inputMode="decimal"
              value={epsilon}
              onChange={(e) => setEpsilon(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.delta}>δ (optional)</label>
            <input
              id={ids.delta}
              type="number"
              min={0}
              step="any"
              inputMode="decimal"
              value={delta}
              onChange={(e) => setDelta(e.target.value)}
            />
          </div>
        </div>
      )}
      <ReasonField label="Reasons for the decision" value={comment} onChange={setComment} />
    </CommandForm>
  );
}

function Reject(props: ActionProps) {
  const [reason, setReason] = useState('');
  return (
    <CommandForm
      {...props}
      title="Reject"
      description="The reasons are published in the public register."
      submitLabel="Reject"
      tone="danger"
      done="Rejected."
      build={() =>
        reason.trim() === ''
          ? 'Give the reasons for rejecting.'
          : { command: 'reject', reason: reason.trim() }
      }
    >
      <ReasonField label="Reasons" required value={reason} onChange={setReason} />
    </CommandForm>
  );
}

function RevokePermit(props: ActionProps) {
  const [reason, setReason] = useState('');
  return (
    <CommandForm
      {...props}
      title="Revoke the permit"
      description="Every station refuses the permit from then on."
      submitLabel="Revoke permit"
      tone="danger"
      done="The permit was revoked."
      build={() =>
        reason.trim() === ''
          ? 'Give the reason for revoking.'
          : { command: 'revoke-permit', reason: reason.trim() }
      }
    >
      <ReasonField label="Reason" required value={reason} onChange={setReason} />
    </CommandForm>
  );
}

function CloseApplication(props: ActionProps) {
  const id = useId();
  const [sure, setSure] = useState(false);
  return (
    <CommandForm
      {...props}
      title="Withdraw"
      description="Closes the application; it cannot be reopened."
      submitLabel="Close application"
      tone="danger"
      done="The application is closed."
      build={() =>
        sure ? { command: 'close' } : 'Tick the box to confirm that the application is to be closed for good.'
      }
    >
      <div className="check-field">
        <input type="checkbox" id={id} checked={sure} onChange={(e) => setSure(e.target.checked)} />
        <label htmlFor={id}>Yes, close this application for good</label>
      </div>
    </CommandForm>
  );
}

function AddComment(props: ActionProps) {
  const [comment, setComment] = useState('');
  return (
    <CommandForm
      {...props}
      title="Comment"
      submitLabel="Add comment"
      done="Comment added."
      build={() =>
        comment.trim() === '' ? 'Write a comment first.' : { command: 'comment', comment: comment.trim() }
      }
      onChange={(application, message) => {
        setComment('');
        props.onChange(application, message);
      }}
    >
      <ReasonField label="Comment" required value={comment} onChange={setComment} />
    </CommandForm>
  );
}

function PublishResult(props: ActionProps) {
  const ids = { title: useId(), summary: useId(), url: useId() };
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [url, setUrl] = useState('');
  return (
    <CommandForm
      {...props}
      title="Publish a result"
      description="Results appear in the public register beside the permit."
      submitLabel="Publish result"
      done="The result is published in the register."
      build={() =>
        title.trim() === '' || summary.trim() === ''
          ? 'Give the result a title and a summary.'
          : url.trim() !== '' && !/^https?:\/\//.test(url.trim())
            ? 'The link must start with http:// or https://.'
            : {
                command: 'publish-result',
                result: {
                  title: title.trim(),
                  summary: summary.trim(),
                  ...(url.trim() === '' ? {} : { url: url.trim() }),
                },
              }
      }
    >
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input id={ids.title} value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.summary}>Summary</label>
        <textarea id={ids.summary} rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.url}>Link (optional)</label>
        <input id={ids.url} type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
      </div>
    </CommandForm>
  );
}

/** The form of each command, in the order the panel shows them. */
const commandForms: readonly (readonly [CommandName, (props: ActionProps) => ReactNode])[] = [
  ['mark-complete', MarkComplete],
  ['return', ReturnForChanges],
  ['invite-reviewer', InviteReviewer],
  ['give-opinion', GiveOpinion],
  ['approve', Approve],
  ['reject', Reject],
  ['extend-deadline', ExtendDeadline],
  ['revoke-permit', RevokePermit],
  ['publish-result', PublishResult],
  ['close', CloseApplication],
  ['comment', AddComment],
];

/**
 * The commands the signed-in user may give on the application now, as the hub lists them (by role and
 * state): the handler returns, marks complete, invites reviewers and extends; an invited reviewer gives an
 * opinion; the decider approves with the permit's settings, rejects or revokes; the applicant may withdraw.
 * Submitting is the form's own button. A command the hub still refuses shows its message.
 */
export function ApplicationActions({ application, onChange }: ActionProps) {
  const available = new Set(application.availableCommands);
  const forms = commandForms.filter(([name]) => available.has(name));
  if (forms.length === 0) return null;
  return (
    <section className="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {forms.map(([name, Form]) => (
        <Form key={name} application={application} onChange={onChange} />
      ))}
    </section>
  );
}
