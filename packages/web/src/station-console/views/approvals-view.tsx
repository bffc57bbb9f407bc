import { useCallback, useState } from 'react';
import type { ViewProps } from '../console-app.tsx';
import type { PendingApproval } from '../station-api.ts';
import { messageOf, useStationData } from '../use-station-data.ts';
import { formatTime, Loading, ViewFrame } from './view-frame.tsx';

/** The queue of tasks that wait for the steward, each with what it would compute and a decision form. */
export function ApprovalsView({ api, onUnauthorised }: ViewProps) {
  const { data, reload } = useStationData(
    useCallback(() => api.approvals(), [api]),
    onUnauthorised,
  );
  const [status, setStatus] = useState('');
  return (
    <ViewFrame
      title="Approvals"
      lede="Tasks that your policy holds for your approval. An approved task runs at once; a declined one is refused, and the researcher reads your reason."
    >
      <p className="status-line" role="status">
        {status}
      </p>
      <Loading data={data}>
        {({ approvals }) =>
          approvals.length === 0 ? (
            <p className="card">No task waits for your approval.</p>
          ) : (
            <ol className="approval-list" aria-label="Tasks waiting for approval">
              {approvals.map((task) => (
                <li key={task.taskId}>
                  <ApprovalCard
                    task={task}
                    onDecide={async (decision, reason) => {
                      await (decision === 'approve' ? api.approve : api.decline)(task.taskId, reason);
                      setStatus(
                        decision === 'approve'
                          ? `Task ${task.taskId} approved: the station runs it now.`
                          : `Task ${task.taskId} declined.`,
                      );
                      await reload();
                    }}
                  />
                </li>
              ))}
            </ol>
          )
        }
      </Loading>
    </ViewFrame>
  );
}

const purposes: Readonly<Record<string, string>> = {
  a: 'public interest in public or occupational health',
  b: 'policy making and regulatory activities',
  c: 'statistics',
  d: 'education or teaching',
  e: 'scientific research',
  f: 'improvement of health care',
};

function ApprovalCard({
  task,
  onDecide,
}: {
  readonly task: PendingApproval;
  readonly onDecide: (decision: 'approve' | 'decline', reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = task.taskId;
  const title = `${task.algorithm} for ${task.cohortName ?? 'an unnamed cohort'}`;

  async function decide(decision: 'approve' | 'decline') {
    if (decision === 'decline' && reason.trim() === '') {
      setError('Give a reason to decline: the researcher reads it.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onDecide(decision, reason);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  }

  return (
    <article className="card approval-card" aria-labelledby={`task-${id}`}>
      <h2 id={`task-${id}`}>{title}</h2>
      <dl className="facts">
        <dt>Requested by</dt>
        <dd>{task.requestedBy}</dd>
        <dt>Project</dt>
        <dd className="break">{task.projectId}</dd>
        <dt>Permit</dt>
        <dd>
          {task.permit === null
            ? 'unreadable'
            : `${task.permit.holder}; purpose (${task.permit.purpose}) ${purposes[task.permit.purpose] ?? ''}; valid until ${formatTime(task.permit.validUntil)}`}
        </dd>
        <dt>Algorithm</dt>
        <dd>
          {task.algorithm}, round {task.round}
        </dd>
        <dt>Received</dt>
        <dd>{formatTime(task.receivedAt)}</dd>
        <dt>Task</dt>
        <dd className="break">{task.taskId}</dd>
      </dl>
      <details>
        <summary>Parameters</summary>
        <pre className="json">{JSON.stringify(task.parameters, null, 2)}</pre>
      </details>
      <details>
        <summary>Cohort definition</summary>
        <pre className="json">{JSON.stringify(task.cohort, null, 2)}</pre>
      </details>
      <div className="field">
        <label htmlFor={`reason-${id}`}>Reason</label>
        <p className="hint" id={`reason-hint-${id}`}>
          Needed to decline; the researcher reads it. Kept in the audit log either way.
        </p>
        <textarea
          id={`reason-${id}`}
          aria-describedby={`reason-hint-${id}`}
          value={reason}
          rows={2}
          maxLength={2000}
          onChange={(event) => setReason(event.target.value)}
        />
      </div>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="button" className="button" disabled={busy} onClick={() => void decide('approve')}>
          Approve<span className="visually-hidden"> {title}</span>
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={busy}
          onClick={() => void decide('decline')}
        >
          Decline<span className="visually-hidden"> {title}</span>
        </button>
      </div>
    </article>
  );
}
