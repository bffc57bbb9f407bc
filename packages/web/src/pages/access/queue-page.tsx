import { useId } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { accessApi } from '../../components/access/access-api.ts';
import { kindLabels, stateLabels } from '../../components/access/access-labels.ts';
import { byUrgency, runningClock } from '../../components/access/clocks.ts';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { ClockBadge, StateBadge } from '../../components/access/state-badge.tsx';
import { useResource } from '../../components/access/use-resource.ts';
import { applicationPath } from '../../components/access/access-paths.ts';

const stateFilters = ['submitted', 'returned', 'approved', 'rejected', 'closed'] as const;

/**
 * The access body's queue: the applications they handle, review or decide, with the legal clocks, most
 * urgent first; filters by state and overdue kept in the address.
 */
export function QueuePage() {
  useDocumentTitle('Review queue');
  const { user } = useSession();
  const { query } = useLocation();
  const state = query.get('state') ?? '';
  const overdue = query.get('overdue') === 'true';
  const ids = { state: useId(), overdue: useId() };
  const queue = useResource(user ? `queue:${state}:${overdue}` : '', () =>
    user
      ? accessApi.queue({
          ...(state === '' ? {} : { state }),
          ...(overdue ? { overdue } : {}),
          pageSize: 100,
        })
      : Promise.resolve(undefined),
  );

  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) return <SignInNeeded title="Review queue" path="/access/queue" />;

  const filter = (next: { state?: string; overdue?: boolean }) => {
    const params = new URLSearchParams();
    const s = next.state ?? state;
    const o = next.overdue ?? overdue;
    if (s !== '') params.set('state', s);
    if (o) params.set('overdue', 'true');
    const text = params.toString();
    navigate(text === '' ? '/access/queue' : `/access/queue?${text}`, { replace: true });
  };
  const now = new Date();
  const items = byUrgency(queue.value?.items ?? [], now);

  return (
    <div className="page">
      <h1>Review queue</h1>
      <p className="lede">
        Applications to the access body, the most urgent first. A decision is due three months after an
        application is complete (extendable once by three months); an applicant has four weeks to complete a
        returned application.
      </p>
      <form className="queue-filters" aria-label="Filter the queue" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.state}>State</label>
          <select id={ids.state} value={state} onChange={(e) => filter({ state: e.target.value })}>
            <option value="">All open and decided</option>
            {stateFilters.map((s) => (
              <option key={s} value={s}>
                {stateLabels[s] ?? s}
              </option>
            ))}
          </select>
        </div>
        <div className="check-field">
          <input
            type="checkbox"
            id={ids.overdue}
            checked={overdue}
            onChange={(e) => filter({ overdue: e.target.checked })}
          />
          <label htmlFor={ids.overdue}>Overdue only</label>
        </div>
      </form>
      {queue.error !== null && (
        <p className="alert alert-error" role="alert">
          {queue.error.message}
        </p>
      )}
      <p role="status" className="hint">
        {queue.value === undefined
          ? ''
          : `${items.length} ${items.length === 1 ? 'application' : 'applications'}`}
      </p>
      {queue.value !== undefined && items.length === 0 ? (
        <div className="card empty">
          <p>No applications match.</p>
        </div>
      ) : (
        <div className="table-scroll card">
          <table className="data-table queue-table">
            <caption className="visually-hidden">Applications, most urgent first</caption>
            <thead>
              <tr>
                <th scope="col">Application</th>
                <th scope="col">Applicant</th>
                <th scope="col">State</th>
                <th scope="col">Clock</th>
                <th scope="col">Submitted</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const clock = runningClock(item, now);
                return (
                  <tr key={item.id} className={clock?.overdue === true ? 'row-overdue' : undefined}>
                    <th scope="row">
                      <Link href={applicationPath(item.id)}>{item.title}</Link>
                      <span className="hint block">{kindLabels[item.kind] ?? item.kind}</span>
                    </th>
                    <td>
                      {item.applicant.name}
                      {item.applicant.organisation !== undefined && (
                        <span className="hint block">{item.applicant.organisation}</span>
                      )}
                    </td>
                    <td>
                      <StateBadge state={item.state} />
                    </td>
                    <td>
                      <ClockBadge clock={clock} />
                    </td>
                    <td>{item.submittedAt ? formatDate(item.submittedAt) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
