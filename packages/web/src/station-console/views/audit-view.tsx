import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ViewProps } from '../console-app.tsx';
import type { AuditRow, AuditVerification } from '../station-api.ts';
import { messageOf } from '../use-station-data.ts';
import { formatTime, ViewFrame } from './view-frame.tsx';

const pageSize = 50;

/** The audit log, newest first, a page at a time, with the verification of its hash chain. */
export function AuditView({ api, onUnauthorised }: ViewProps) {
  const [rows, setRows] = useState<readonly AuditRow[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [event, setEvent] = useState('');
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [verification, setVerification] = useState<AuditVerification | 'checking' | undefined>();

  const fail = useCallback(
    (failure: unknown) => {
      if ((failure as { status?: number }).status === 401) onUnauthorised();
      setError(messageOf(failure));
    },
    [onUnauthorised],
  );
  const load = useCallback(
    async (before: number | undefined, eventFilter: string) => {
      setLoading(true);
      try {
        const page = await api.audit({
          limit: pageSize,
          event: eventFilter,
          ...(before === undefined ? {} : { before }),
        });
        setRows((shown) => (before === undefined ? page.entries : [...shown, ...page.entries]));
        setNextBefore(page.nextBefore);
        setError(undefined);
      } catch (failure) {
        fail(failure);
      } finally {
        setLoading(false);
      }
    },
    [api, fail],
  );
  const verify = useCallback(async () => {
    setVerification('checking');
    try {
      setVerification(await api.verifyAudit());
    } catch (failure) {
      setVerification(undefined);
      fail(failure);
    }
  }, [api, fail]);

  useEffect(() => {
    void verify().then(() => load(undefined, filter));
  }, [verify, load, filter]);

  function applyFilter(submitted: FormEvent) {
    submitted.preventDefault();
    setFilter(event.trim());
  }

  return (
    <ViewFrame
      title="Audit log"
      lede="Everything done on this station, newest first (NEN 7513). Each entry carries the hash of the one before it, so any change or removal shows when the log is verified."
    >
      <section className="card verification" aria-labelledby="verify-heading">
        <h2 id="verify-heading">Verification</h2>
        <div role="status" aria-live="polite">
          {verification === undefined || verification === 'checking' ? (
            <p className="muted">Verifying the hash chain…</p>
          ) : verification.ok ? (
            <p className="verified-ok">
              <strong>Intact:</strong> all {verification.entries.toLocaleString('en-GB')} entries verified,
              the chain and its head anchor agree ({formatTime(verification.verifiedAt)}).
            </p>
          ) : (
            <div className="alert alert-error">
              <p className="alert-title">
                The audit log does not verify: {verification.problems.length} problem
                {verification.problems.length === 1 ? '' : 's'}
              </p>
              <ul>
                {verification.problems.slice(0, 20).map((problem) => (
                  <li key={`${problem.seq}-${problem.problem}`}>{problem.problem}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <button
          type="button"
          className="button button-secondary"
          disabled={verification === 'checking'}
          onClick={() => void verify().then(() => load(undefined, filter))}
        >
          Verify the audit log
        </button>
      </section>
      <form className="audit-filter" onSubmit={applyFilter} role="search">
        <div className="field">
          <label htmlFor="audit-event">Event</label>
          <input
            id="audit-event"
            type="text"
            placeholder="e.g. task or policy.update"
            value={event}
            onChange={(changed) => setEvent(changed.target.value)}
          />
        </div>
        <button type="submit" className="button button-quiet">
          Show
        </button>
      </form>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table className="data-table audit-table">
          <caption>
            {filter === '' ? 'All events' : `Events “${filter}”`}, newest first ({rows.length} shown)
          </caption>
          <thead>
            <tr>
              <th scope="col" className="number">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Outcome</th>
              <th scope="col">Who</th>
              <th scope="col">About</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.seq}>
                <td className="number">{row.seq}</td>
                <td>{formatTime(row.occurredAt)}</td>
                <th scope="row">{row.event}</th>
                <td>
                  <span className={`outcome outcome-${row.outcome}`}>{row.outcome}</span>
                </td>
                <td>
                  {row.actorName ?? '–'}
                  {row.onBehalfOf && <span className="block hint">for {row.onBehalfOf}</span>}
                </td>
                <td className="break">
                  {row.objectType ?? ''} {row.objectId ?? ''}
                </td>
                <td className="break details-cell">{row.details === '{}' ? '' : row.details}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loading && <p className="muted">Loading…</p>}
      {nextBefore !== null && !loading && (
        <button type="button" className="button button-quiet" onClick={() => void load(nextBefore, filter)}>
          Older entries
        </button>
      )}
    </ViewFrame>
  );
}
