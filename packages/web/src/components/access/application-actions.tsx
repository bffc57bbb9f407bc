import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { User } from '../../api-client.ts';
import { accessApi, type Application, type Command, type Opinion } from './access-api.ts';
import { algorithmLabels, opinionLabels } from './access-labels.ts';
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

/** Whether the handler marked the application complete: the decision clock runs. */
export function isComplete(application: Application): boolean {
  return (
    (application.deadlines?.decisionDue ?? null) !== null ||
    application.events.some((e) => e.type === 'marked-complete')
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
  const invited = props.application.reviewers ?? [];
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
  if (props.application.deadlines?.extended === true) {
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
        algorithms,
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
        {Object.entries(algorithmLabels).map(([name, label]) => (
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
  return (
    <CommandForm
      {...props}
      title="Withdraw"
      description="Closes the application; it cannot be reopened."
      submitLabel="Close application"
      tone="danger"
      done="The application is closed."
      build={() => ({ command: 'close' })}
    />
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

/**
 * The commands the signed-in user may give on the application, by role and state: the handler returns,
 * marks complete, invites reviewers and extends; an invited reviewer gives an opinion; the decider approves
 * with the permit's settings, rejects or revokes; the applicant may withdraw. The hub decides in the end:
 * a command it refuses shows its message.
 */
export function ApplicationActions({ application, user, onChange }: ActionProps & { readonly user: User }) {
  const roles = new Set(user.roles);
  const handler = roles.has('access_body_handler');
  const decider = roles.has('access_body_decider');
  const reviewer = roles.has('access_body_reviewer');
  const applicant = application.applicant.id === user.id;
  const state = application.state;
  const complete = isComplete(application);
  const invitation = (application.reviewers ?? []).find((r) => r.id === user.id);
  const permitActive = application.permit?.status === 'active';
  const props = { application, onChange };

  const actions: ReactNode[] = [];
  if (handler && state === 'submitted') {
    actions.push(<ReturnForChanges key="return" {...props} />);
    if (!complete) actions.push(<MarkComplete key="complete" {...props} />);
    else actions.push(<InviteReviewer key="invite" {...props} />);
  }
  if (reviewer && invitation !== undefined && state === 'submitted' && !invitation.opinion) {
    actions.push(<GiveOpinion key="opinion" {...props} />);
  }
  if (decider && state === 'submitted' && complete) {
    actions.push(<Approve key="approve" {...props} />, <Reject key="reject" {...props} />);
  }
  if ((handler || decider) && state === 'submitted' && complete) {
    actions.push(<ExtendDeadline key="extend" {...props} />);
  }
  if (decider && permitActive) actions.push(<RevokePermit key="revoke" {...props} />);
  if (applicant && ['draft', 'submitted', 'returned'].includes(state)) {
    actions.push(<CloseApplication key="close" {...props} />);
  }
  if (applicant || handler || decider || invitation !== undefined)
    actions.push(<AddComment key="comment" {...props} />);

  if (actions.length === 0) return null;
  return (
    <section className="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {actions}
    </section>
  );
}
