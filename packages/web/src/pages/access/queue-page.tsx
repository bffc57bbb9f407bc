import { useEffect, useId, useState } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { accessApi, type DueKind, type QueueItem } from '../../components/access/access-api.ts';
import { kindLabels } from '../../components/access/access-labels.ts';
import { byUrgency, dueKindLabels, runningClock } from '../../components/access/clocks.ts';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { ClockBadge, StateBadge } from '../../components/access/state-badge.tsx';
import { messageOf, useResource } from '../../components/access/use-resource.ts';
import { applicationPath } from '../../components/access/access-paths.ts';

const pageSize = 50;
const stateFilters = [
  { value: '', label: 'Waiting on the access body or the applicant' },
  { value: 'submitted', label: 'Submitted: with the access body' },
  { value: 'returned', label: 'Returned: with the applicant' },
] as const;
const dueKinds = Object.keys(dueKindLabels) as DueKind[];

/** The queue's filters as the address holds them. */
interface Filters {
  readonly state: '' | 'submitted' | 'returned';
  readonly dueKind: DueKind | '';
  readonly overdue: boolean;
}

function readFilters(query: URLSearchParams): Filters {
  const state = query.get('state');
  const dueKind = query.get('dueKind');
  return {
    state: state === 'submitted' || state === 'returned' ? state : '',
    dueKind: dueKinds.find((k) => k === dueKind) ?? '',
    overdue: query.get('overdue') === 'true',
  };
}

function hrefOf(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.state !== '') params.set('state', filters.state);
  if (filters.dueKind !== '') params.set('dueKind', filters.dueKind);
  if (filters.overdue) params.set('overdue', 'true');
  const text = params.toString();
  return text === '' ? '/access/queue' : `/access/queue?${text}`;
}

/**
 * The access body's queue: the open applications they handle, review or decide, with the legal clocks,
 * the most urgent first (as the hub orders them); filters kept in the address, further pages on request.
 */
export function QueuePage() {
  useDocumentTitle('Review queue');
  const { user } = useSession();
  const { query } = useLocation();
  const filters = readFilters(query);
  const key = hrefOf(filters);
  const ids = { state: useId(), dueKind: useId(), overdue: useId() };
  const queue = useResource(user ? key : '', () =>
    user
      ? accessApi.queue({
          ...(filters.state === '' ? {} : { state: filters.state }),
          ...(filters.dueKind === '' ? {} : { dueKind: filters.dueKind }),
          ...(filters.overdue ? { overdue: true } : {}),
          pageSize,
        })
      : Promise.resolve(undefined),
  );
  const [more, setMore] = useState<{ items: readonly QueueItem[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  useEffect(() => setMore(null), [queue.value]);

  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) return <SignInNeeded title="Review queue" path="/access/queue" />;

  const filter = (change: Partial<Filters>) => navigate(hrefOf({ ...filters, ...change }), { replace: true });
  const cursor = more === null ? (queue.value?.nextCursor ?? null) : more.cursor;
  const loadMore = async () => {
    if (cursor === null) return;
    try {
      const next = await accessApi.queue({
        ...(filters.state === '' ? {} : { state: filters.state }),
        ...(filters.dueKind === '' ? {} : { dueKind: filters.dueKind }),
        ...(filters.overdue ? { overdue: true } : {}),
        pageSize,
        after: cursor,
      });
      setMore({ items: [...(more?.items ?? []), ...next.items], cursor: next.nextCursor });
      setMoreError(null);
    } catch (caught) {
      setMoreError(messageOf(caught, 'Cannot load more applications'));
    }
  };
  const now = new Date();
  const items = byUrgency([...(queue.value?.items ?? []), ...(more?.items ?? [])], now);

  return (
    <div className="page">
      <h1>Review queue</h1>
      <p className="lede">
        Open applications, the most urgent first. The completeness check comes first; a decision is due three
        months after an application is complete (extendable once by three months); an applicant has four weeks
        to complete a returned application.
      </p>
      <form className="queue-filters" aria-label="Filter the queue" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.state}>State</label>
          <select
            id={ids.state}
            value={filters.state}
            onChange={(e) => filter({ state: e.target.value as Filters['state'] })}
          >
            {stateFilters.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.dueKind}>Deadline</label>
          <select
            id={ids.dueKind}
            value={filters.dueKind}
            onChange={(e) => filter({ dueKind: e.target.value as Filters['dueKind'] })}
          >
            <option value="">Any deadline</option>
            {dueKinds.map((k) => (
              <option key={k} value={k}>
                {dueKindLabels[k]}
              </option>
            ))}
          </select>
        </div>
        <div className="check-field">
          <input
            type="checkbox"
            id={ids.overdue}
            checked={filters.overdue}
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
          : `${items.length}${cursor === null ? '' : '+'} ${items.length === 1 ? 'application' : 'applications'}, ${items.filter((i) => runningClock(i, now)?.overdue === true).length} overdue`}
      </p>
      {queue.value !== undefined && items.length === 0 ? (
        <div className="card empty">
          <p>No applications match.</p>
        </div>
      ) : (
        <div className="table-scroll card">
          <table className="data-table queue-table">
            <caption className="visually-hidden">Open applications, the most urgent first</caption>
            <thead>
              <tr>
                <th scope="col">Application</th>
                <th scope="col">Applicant</th>
                <th scope="col">State</th>
                <th scope="col">Clock</th>
                <th scope="col">Review</th>
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
                      <span className="hint block">{kindLabels[item.kind]}</span>
                    </th>
                    <td>
                      {item.applicant.name}
                      <span className="hint block">{item.applicant.organisation}</span>
                    </td>
                    <td>
                      <StateBadge state={item.state} />
                    </td>
                    <td>
                      <ClockBadge clock={clock} />
                    </td>
                    <td>
                      {item.reviewers === 0
                        ? 'no reviewers'
                        : `${item.opinions} of ${item.reviewers} opinions`}
                    </td>
                    <td>{item.submittedAt ? formatDate(item.submittedAt) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {moreError !== null && (
        <p className="alert alert-error" role="alert">
          {moreError}
        </p>
      )}
      {cursor !== null && (
        <p className="center">
          <button type="button" className="button button-secondary" onClick={() => void loadMore()}>
            Show more applications
          </button>
        </p>
      )}
    </div>
  );
}
