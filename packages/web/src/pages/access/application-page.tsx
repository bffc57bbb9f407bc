import { useEffect, useRef, useState } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { formatDate } from '../../format.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { accessApi, type Application } from '../../components/access/access-api.ts';
import { ApplicationActions } from '../../components/access/application-actions.tsx';
import {
  ApplicationDetails,
  DecisionFacts,
  PermitFacts,
  ReviewerList,
} from '../../components/access/application-details.tsx';
import { ApplicationForm } from '../../components/access/application-form.tsx';
import { kindLabels } from '../../components/access/access-labels.ts';
import { formatDateTime, runningClock } from '../../components/access/clocks.ts';
import { EventTimeline } from '../../components/access/event-timeline.tsx';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { ClockBadge, StateBadge } from '../../components/access/state-badge.tsx';
import { useResource } from '../../components/access/use-resource.ts';

const accessBodyRoles = ['access_body_handler', 'access_body_reviewer', 'access_body_decider'];

/** The latest return's comment: what the access body asked the applicant to change. */
function returnComment(application: Application): string | undefined {
  const returned = [...application.events].sort((a, b) => b.seq - a.seq).find((e) => e.type === 'returned');
  return returned?.comment ?? undefined;
}

/**
 * One application: for its applicant while a draft or returned, the form; otherwise the application as
 * submitted, with the commands the user's role allows, the reviewers' opinions, the permit and the history.
 */
export function ApplicationPage({ id }: { readonly id: string }) {
  const { user } = useSession();
  const resource = useResource(user ? id : '', () =>
    user ? accessApi.application(id) : Promise.resolve(undefined),
  );
  const application = resource.value;
  useDocumentTitle(application?.title ?? 'Application');
  const [status, setStatus] = useState('');
  const statusRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (status !== '') statusRef.current?.focus();
  }, [status]);

  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) return <SignInNeeded title="Application" path={`/applications/${id}`} />;
  if (resource.error !== null && application === undefined) {
    return (
      <div className="page narrow-wide">
        <h1>Application</h1>
        <p className="alert alert-error" role="alert">
          {resource.error.message}
        </p>
      </div>
    );
  }
  if (application === undefined) {
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the application…</p>
      </div>
    );
  }

  const applicant = application.applicant.id === user.id;
  const editable = applicant && (application.state === 'draft' || application.state === 'returned');
  const accessBody = user.roles.some((r) => accessBodyRoles.includes(r));
  const changed = (next: Application, message = '') => {
    resource.replace(next);
    if (message !== '') setStatus(message);
  };
  const comment = application.state === 'returned' ? returnComment(application) : undefined;

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            {accessBody && !applicant ? (
              <Link href="/access/queue">Review queue</Link>
            ) : (
              <Link href="/applications">My applications</Link>
            )}
          </li>
          <li aria-current="page">{application.title}</li>
        </ol>
      </nav>
      <header className="application-header">
        <div>
          <p className="eyebrow">{kindLabels[application.kind] ?? application.kind}</p>
          <h1>{application.title}</h1>
          <p className="result-publisher">
            {application.applicant.name}
            {application.applicant.organisation !== '' && `, ${application.applicant.organisation}`}
            {application.submittedAt && ` · submitted ${formatDate(application.submittedAt)}`}
          </p>
        </div>
        <div className="application-state">
          <StateBadge state={application.state} />
          {runningClock(application, new Date()) !== null && (
            <ClockBadge clock={runningClock(application, new Date())} />
          )}
        </div>
      </header>
      <p role="status" className="status-line" tabIndex={-1} ref={statusRef}>
        {status}
      </p>
      {comment !== undefined && applicant && (
        <div className="alert alert-warning">
          <p className="alert-title">The access body returned your application for changes:</p>
          <blockquote>{comment}</blockquote>
          {application.deadlines?.completionDue && (
            <p>Please complete it by {formatDateTime(application.deadlines.completionDue)}.</p>
          )}
        </div>
      )}
      <div className="application-layout">
        <div className="application-main">
          {editable ? (
            <ApplicationForm application={application} user={user} onChange={changed} />
          ) : (
            <ApplicationDetails application={application} />
          )}
        </div>
        <aside className="application-side" aria-label="Review">
          <ApplicationActions application={application} onChange={changed} />
          {application.reviewers.length > 0 && (
            <section className="card" aria-labelledby="reviewers-title">
              <h2 id="reviewers-title">Reviewers</h2>
              <ReviewerList application={application} />
            </section>
          )}
          {application.decision !== null && (
            <section className="card" aria-labelledby="decision-title">
              <h2 id="decision-title">Decision</h2>
              <DecisionFacts application={application} />
            </section>
          )}
          {application.permit && (
            <section className="card" aria-labelledby="permit-title">
              <h2 id="permit-title">Permit</h2>
              <PermitFacts application={application} />
            </section>
          )}
          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <EventTimeline events={application.events} />
          </section>
        </aside>
      </div>
    </div>
  );
}
