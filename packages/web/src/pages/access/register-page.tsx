import { Fragment, useEffect, useId, useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import {
  accessApi,
  registerDownloads,
  type ApplicationKind,
  type RegisterEntry,
} from '../../components/access/access-api.ts';
import { kindLabels, purposeLabel } from '../../components/access/access-labels.ts';
import { StateBadge } from '../../components/access/state-badge.tsx';
import { useResource } from '../../components/access/use-resource.ts';

const pageSize = 20;
const outcomes = [
  { value: '', label: 'All applications' },
  { value: 'submitted', label: 'Received, not decided' },
  { value: 'returned', label: 'Returned for changes' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'revoked', label: 'Permit revoked' },
  { value: 'expired', label: 'Permit expired' },
  { value: 'closed', label: 'Withdrawn' },
] as const;

const outcomeWords: Readonly<Record<string, string>> = { approved: 'Approved', rejected: 'Rejected' };
const permitWords: Readonly<Record<string, string>> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

function Entry({ entry }: { readonly entry: RegisterEntry }) {
  return (
    <li className="card register-entry">
      <div className="register-head">
        <h2>{entry.title}</h2>
        <StateBadge state={entry.permit?.status === 'active' ? 'active' : entry.state} />
      </div>
      <p className="result-publisher">
        {kindLabels[entry.kind as ApplicationKind] ?? entry.kind} · {entry.applicantOrganisation} · received{' '}
        {formatDate(entry.receivedAt)}
      </p>
      {entry.publicSummary !== '' && <p className="prose">{entry.publicSummary}</p>}
      <dl className="facts">
        <dt>Purpose</dt>
        <dd>{purposeLabel(entry.purposeGround)}</dd>
        {entry.datasets.length > 0 && (
          <>
            <dt>Datasets</dt>
            <dd>{entry.datasets.map((d) => d.title || d.id).join('; ')}</dd>
          </>
        )}
        {entry.decision && (
          <>
            <dt>Decision</dt>
            <dd>
              {outcomeWords[entry.decision.outcome] ?? entry.decision.outcome} on{' '}
              {formatDate(entry.decision.at)}
              {entry.decision.reasons !== '' && (
                <span className="block prose">Reasons: {entry.decision.reasons}</span>
              )}
            </dd>
          </>
        )}
        {entry.permit && (
          <>
            <dt>Permit</dt>
            <dd>
              {permitWords[entry.permit.status] ?? entry.permit.status}, {formatDate(entry.permit.validFrom)}{' '}
              – {formatDate(entry.permit.validUntil)}
            </dd>
          </>
        )}
        {entry.results.map((r) => (
          <Fragment key={`${r.at}-${r.title}`}>
            <dt>Result</dt>
            <dd>
              <strong>{r.title}</strong> ({formatDate(r.at)})<span className="block prose">{r.summary}</span>
              {r.url !== undefined && (
                <a className="block" href={r.url}>
                  {r.url}
                </a>
              )}
            </dd>
          </Fragment>
        ))}
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
  const state = outcomes.find((o) => o.value === query.get('state'))?.value ?? '';
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
            <Entry key={entry.id} entry={entry} />
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
