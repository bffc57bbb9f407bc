import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { accessApi } from '../../components/access/access-api.ts';
import { kindLabels } from '../../components/access/access-labels.ts';
import { runningClock } from '../../components/access/clocks.ts';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { ClockBadge, StateBadge } from '../../components/access/state-badge.tsx';
import { useResource } from '../../components/access/use-resource.ts';
import { applicationPath } from '../../components/access/access-paths.ts';

/** The researcher's own applications and data requests, with their states and clocks. */
export function MyApplicationsPage() {
  useDocumentTitle('My applications');
  const { user } = useSession();
  const list = useResource(user ? `mine:${user.id}` : '', () =>
    user ? accessApi.applications({ pageSize: 100 }) : Promise.resolve(undefined),
  );

  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) return <SignInNeeded title="My applications" path="/applications" />;
  const mine = (list.value?.items ?? []).filter((a) => a.applicant.id === user.id);
  const now = new Date();

  return (
    <div className="page narrow-wide">
      <h1>My applications</h1>
      <p className="lede">
        Your applications for a data permit and your data requests. A new application starts from{' '}
        <Link href="/basket">your basket</Link>.
      </p>
      {list.error !== null && (
        <p className="alert alert-error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.value === undefined && list.error === null ? (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      ) : mine.length === 0 ? (
        <div className="card empty">
          <p>You have no applications yet.</p>
        </div>
      ) : (
        <ul className="application-list">
          {mine.map((a) => (
            <li key={a.id} className="card application-card">
              <div>
                <h2>
                  <Link href={applicationPath(a.id)}>{a.title}</Link>
                </h2>
                <p className="result-publisher">
                  {kindLabels[a.kind] ?? a.kind}
                  {a.submittedAt ? ` · submitted ${formatDate(a.submittedAt)}` : ' · not submitted'}
                </p>
              </div>
              <div className="application-state">
                <StateBadge state={a.state} />
                {runningClock(a, now) !== null && <ClockBadge clock={runningClock(a, now)} />}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
