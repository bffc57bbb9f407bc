import { useEffect, useId, useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { accessApi, registerDownloads, type RegisterEntry } from '../../components/access/access-api.ts';
import { purposeLabel } from '../../components/access/access-labels.ts';
import { StateBadge } from '../../components/access/state-badge.tsx';
import { useResource } from '../../components/access/use-resource.ts';
import { datasetIdsOf, useDatasets } from '../../components/access/use-datasets.ts';

const pageSize = 20;
const outcomes = [
  { value: '', label: 'All applications' },
  { value: 'submitted', label: 'Received, not decided' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
] as const;

function reasonsOf(reasons: string | readonly string[] | null | undefined): string {
  if (reasons === null || reasons === undefined) return '';
  return typeof reasons === 'string' ? reasons : reasons.join('; ');
}

function Entry({
  entry,
  titles,
}: {
  readonly entry: RegisterEntry;
  readonly titles: ReadonlyMap<string, string>;
}) {
  const datasets = (entry.datasets ?? []).map((d) =>
    typeof d === 'string' ? (titles.get(d) ?? d) : (d.title ?? titles.get(d.id) ?? d.id),
  );
  return (
    <li className="card register-entry">
      <div className="register-head">
        <h2>{entry.title}</h2>
        <StateBadge state={entry.permit?.status === 'active' ? 'active' : entry.state} />
      </div>
      <p className="result-publisher">
        {entry.applicantOrganisation ?? 'Applicant not published'}
        {entry.receivedAt && ` · received ${formatDate(entry.receivedAt)}`}
      </p>
      {entry.publicSummary && <p className="prose">{entry.publicSummary}</p>}
      <dl className="facts">
        <dt>Purpose</dt>
        <dd>{purposeLabel(entry.purposeGround)}</dd>
        {datasets.length > 0 && (
          <>
            <dt>Datasets</dt>
            <dd>{datasets.join('; ')}</dd>
          </>
        )}
        {entry.decision && (
          <>
            <dt>Decision</dt>
            <dd>
              {entry.decision.outcome === 'approved'
                ? 'Approved'
                : entry.decision.outcome === 'rejected'
                  ? 'Rejected'
                  : entry.decision.outcome}{' '}
              on {formatDate(entry.decision.at)}
              {reasonsOf(entry.decision.reasons) !== '' && (
                <span className="block prose">Reasons: {reasonsOf(entry.decision.reasons)}</span>
              )}
            </dd>
          </>
        )}
        {entry.permit && (
          <>
            <dt>Permit</dt>
            <dd>
              {entry.permit.status === 'active' ? 'Active' : entry.permit.status}
              {entry.permit.validFrom && entry.permit.validUntil
                ? `, ${formatDate(entry.permit.validFrom)} – ${formatDate(entry.permit.validUntil)}`
                : ''}
            </dd>
          </>
        )}
        {(entry.results ?? []).length > 0 && (
          <>
            <dt>Results</dt>
            <dd>{(entry.results ?? []).length} published</dd>
          </>
        )}
      </dl>
    </li>
  );
}

/**
 * The public register (EHDS): every application on receipt with its public summary, every decision with
 * its reasons, the active permits; open to everyone without signing in, and downloadable as JSON and CSV.
 */
export function RegisterPage() {
  useDocumentTitle('Public register');
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const state = query.get('state') ?? '';
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const [text, setText] = useState(q);
  const ids = { q: useId(), state: useId() };
  useEffect(() => setText(q), [q]);
  const register = useResource(`register:${q}:${state}:${page}`, () =>
    accessApi.register({
      ...(q === '' ? {} : { q }),
      ...(state === '' ? {} : { state }),
      page,
      pageSize,
    }),
  );
  // Titles of datasets the register names only by id.
  const unnamed = (register.value?.applications ?? []).flatMap((e) =>
    datasetIdsOf((e.datasets ?? []).filter((d) => typeof d === 'string' || d.title === undefined)),
  );
  const views = useDatasets([...new Set(unnamed)]);
  const titles = new Map([...views].map(([id, view]) => [id, view.steward?.title ?? id]));

  const hrefOf = (next: { q?: string; state?: string; page?: number }) => {
    const params = new URLSearchParams();
    const nq = next.q ?? q;
    const ns = next.state ?? state;
    const np = next.page ?? 1;
    if (nq !== '') params.set('q', nq);
    if (ns !== '') params.set('state', ns);
    if (np > 1) params.set('page', String(np));
    const search = params.toString();
    return search === '' ? '/register' : `/register?${search}`;
  };
  const go = (next: { q?: string; state?: string }) => navigate(hrefOf(next));
  const pageHref = (n: number) => hrefOf({ page: n });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go({ q: text.trim() });
  };
  const total = register.value?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));

  return (
    <div className="page narrow-wide">
      <h1>Public register</h1>
      <p className="lede">
        Every application for the secondary use of health data, published on receipt; every decision with its
        reasons; and the permits in force. Open to everyone.
      </p>
      <p className="downloads">
        Download the register:{' '}
        <a href={registerDownloads.json} type="application/json">
          JSON
        </a>{' '}
        ·{' '}
        <a href={registerDownloads.csv} type="text/csv" download="polder-register.csv">
          CSV
        </a>
      </p>
      <form className="register-filters" role="search" aria-label="Search the register" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.q}>Search the register</label>
          <input id={ids.q} type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.state}>Show</label>
          <select id={ids.state} value={state} onChange={(e) => go({ state: e.target.value })}>
            {outcomes.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {register.error !== null && (
        <p className="alert alert-error" role="alert">
          {register.error.message}
        </p>
      )}
      <p role="status" className="hint">
        {register.value === undefined ? '' : `${total} ${total === 1 ? 'application' : 'applications'}`}
      </p>
      {register.value !== undefined && register.value.applications.length === 0 ? (
        <div className="card empty">
          <p>No applications match.</p>
        </div>
      ) : (
        <ul className="register-list">
          {(register.value?.applications ?? []).map((entry) => (
            <Entry key={entry.id} entry={entry} titles={titles} />
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pagination" aria-label="Register pages">
          {page > 1 ? <Link href={pageHref(page - 1)}>Previous page</Link> : <span />}
          <span>
            Page {page} of {pages}
          </span>
          {page < pages ? <Link href={pageHref(page + 1)}>Next page</Link> : <span />}
        </nav>
      )}
    </div>
  );
}
