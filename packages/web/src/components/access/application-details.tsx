import type { ReactNode } from 'react';
import { Link } from '../../router.tsx';
import { attachmentPath, type Application } from './access-api.ts';
import { algorithmLabels, labelFor, opinionLabels, purposeGrounds, purposeLabel } from './access-labels.ts';
import { formatDateTime } from './clocks.ts';
import { DuoCheckList } from './duo-check-list.tsx';
import { useDatasets } from './use-datasets.ts';

function Entry({ term, children }: { readonly term: string; readonly children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

const notGiven = <span className="muted">not given</span>;

function Text({ value }: { readonly value: string | undefined }) {
  return value === undefined || value.trim() === '' ? notGiven : <span className="prose">{value}</span>;
}

/** The application as submitted, section by section (EHDS Art. 67), read-only, with the DUO checks. */
export function ApplicationDetails({ application }: { readonly application: Application }) {
  const form = application.form;
  const ids = form.datasets ?? application.datasets.map((d) => d.id);
  const datasets = useDatasets(ids);
  const ground = purposeGrounds.find((p) => p.ground === form.purpose?.ground);
  const checks = application.duoChecks;
  return (
    <div className="application-details">
      <section className="card form-section" aria-labelledby="details-summary">
        <h2 id="details-summary">Public summary</h2>
        <p className="prose">{form.publicSummary ?? notGiven}</p>
      </section>

      <section className="card form-section" aria-labelledby="details-applicant">
        <h2 id="details-applicant">Applicant and team</h2>
        <dl className="facts">
          <Entry term="Applicant">
            {form.applicant === undefined
              ? application.applicant.name
              : `${form.applicant.name}, ${form.applicant.role} (${form.applicant.organisation})`}
          </Entry>
          <Entry term="Email">{form.applicant?.email ?? notGiven}</Entry>
          <Entry term="Team">
            {(form.team ?? []).length === 0 ? (
              <span className="muted">none</span>
            ) : (
              <ul className="plain-list">
                {(form.team ?? []).map((m, i) => (
                  <li key={i}>
                    {m.name}, {m.role} ({m.organisation})
                  </li>
                ))}
              </ul>
            )}
          </Entry>
        </dl>
      </section>

      <section className="card form-section" aria-labelledby="details-purpose">
        <h2 id="details-purpose">Purpose</h2>
        <p>
          <strong>{purposeLabel(form.purpose?.ground)}</strong>
        </p>
        {ground !== undefined && <p className="hint">{ground.explanation}</p>}
        <p className="prose">
          <Text value={form.purpose?.description} />
        </p>
      </section>

      <section className="card form-section" aria-labelledby="details-datasets">
        <h2 id="details-datasets">Datasets and their conditions</h2>
        <ul className="application-datasets">
          {ids.map((id) => {
            const view = datasets.get(id);
            const accepted = (form.acceptedTerms ?? []).includes(id);
            return (
              <li key={id} className="application-dataset">
                <h3>
                  <Link href={`/datasets/${id}`}>
                    {view?.steward?.title ?? application.datasets.find((d) => d.id === id)?.title ?? id}
                  </Link>
                </h3>
                {view?.steward && <p className="result-publisher">{view.steward.publisher.name}</p>}
                <DuoCheckList
                  conditions={view?.steward?.dataUseConditions ?? []}
                  checks={checks.filter((c) => c.datasetId === id)}
                />
                <p className={accepted ? 'hint' : 'hint warning-text'}>
                  {accepted ? 'Terms accepted by the applicant.' : 'Terms not accepted.'}
                </p>
              </li>
            );
          })}
        </ul>
      </section>

      <section className="card form-section" aria-labelledby="details-plan">
        <h2 id="details-plan">Data, processing and analyses</h2>
        <dl className="facts facts-stacked">
          <Entry term="Data to be linked">
            <Text value={form.dataToBeLinked} />
          </Entry>
          <Entry term="Processing environment">
            <Text value={form.processing?.environment} />
          </Entry>
          <Entry term="Safeguards">
            <Text value={form.processing?.safeguards} />
          </Entry>
          <Entry term="Requested analyses">
            <Text value={form.requestedAnalyses} />
          </Entry>
          {form.analysis !== undefined && (
            <Entry term="Statistics asked for">
              {labelFor(algorithmLabels, form.analysis.algorithm.name)} (version{' '}
              {form.analysis.algorithm.version})
              <pre className="json">
                {JSON.stringify(
                  { cohort: form.analysis.cohort, parameters: form.analysis.parameters },
                  null,
                  2,
                )}
              </pre>
            </Entry>
          )}
          <Entry term="Duration">
            {form.duration === undefined ? notGiven : `${form.duration.months} months`}
          </Entry>
          <Entry term="Named users">{(form.namedUsers ?? []).length} named</Entry>
        </dl>
      </section>

      <section className="card form-section" aria-labelledby="details-attachments">
        <h2 id="details-attachments">Attachments</h2>
        {application.attachments.length === 0 ? (
          <p className="muted">No attachments.</p>
        ) : (
          <ul className="attachment-list">
            {application.attachments.map((a) => (
              <li key={a.id}>
                <a href={attachmentPath(application.id, a.id)} download={a.filename}>
                  {a.filename}
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The decision with its reasons, and the results published since. */
export function DecisionFacts({ application }: { readonly application: Application }) {
  const { decision, results } = application;
  if (decision === null && results.length === 0) return null;
  return (
    <dl className="facts facts-stacked">
      {decision !== null && (
        <Entry term={decision.outcome === 'approved' ? 'Approved' : 'Rejected'}>
          {formatDateTime(decision.at)}
          {decision.reasons !== '' && <span className="block prose">{decision.reasons}</span>}
        </Entry>
      )}
      {results.map((r) => (
        <Entry key={`${r.at}-${r.title}`} term={`Result: ${r.title}`}>
          <span className="prose">{r.summary}</span>
          {r.url !== undefined && (
            <a className="block" href={r.url}>
              {r.url}
            </a>
          )}
        </Entry>
      ))}
    </dl>
  );
}

/** The invited reviewers and their opinions. */
export function ReviewerList({ application }: { readonly application: Application }) {
  const reviewers = application.reviewers;
  if (reviewers.length === 0) return <p className="muted">No reviewers invited.</p>;
  return (
    <ul className="reviewer-list">
      {reviewers.map((r) => (
        <li key={r.id}>
          <strong>{r.name}</strong>:{' '}
          {r.opinion !== null ? (
            <>
              <span className={`opinion opinion-${r.opinion}`}>{opinionLabels[r.opinion]}</span>
              {r.comment !== null && r.comment !== '' && (
                <blockquote className="timeline-comment">{r.comment}</blockquote>
              )}
            </>
          ) : (
            <span className="muted">no opinion yet</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The permit an approval issued: its validity, algorithms and settings. */
export function PermitFacts({ application }: { readonly application: Application }) {
  const permit = application.permit;
  if (permit === null) return null;
  return (
    <dl className="facts">
      <Entry term="Permit">
        <a href={`/api/permits/${encodeURIComponent(permit.id)}`} type="application/json">
          Signed permit (JSON)
        </a>
      </Entry>
      <Entry term="Status">
        {labelFor({ active: 'Active', expired: 'Expired', revoked: 'Revoked' }, permit.status)}
      </Entry>
      <Entry term="Valid from">{formatDateTime(permit.validFrom)}</Entry>
      <Entry term="Valid until">{formatDateTime(permit.validUntil)}</Entry>
      <Entry term="Algorithms">{permit.algorithms.map((a) => labelFor(algorithmLabels, a)).join(', ')}</Entry>
    </dl>
  );
}
