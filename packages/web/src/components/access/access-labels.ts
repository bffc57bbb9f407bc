import type { ApplicationKind, Opinion, OrganisationType, PurposeGround } from './access-api.ts';

/*
 * The words the access pages show for the procedure's codes: states, purposes, events, algorithms.
 */

/** The grounds of EHDS Art. 53(1) on which health data may be used for secondary purposes. */
export const purposeGrounds: readonly {
  readonly ground: PurposeGround;
  readonly title: string;
  readonly explanation: string;
}[] = [
  {
    ground: 'a',
    title: 'Public interest in public and occupational health',
    explanation:
      'Such as protection against serious cross-border threats to health, public health surveillance, or ensuring high levels of quality and safety of health care, medicinal products or medical devices.',
  },
  {
    ground: 'b',
    title: 'Policy-making and regulation',
    explanation:
      'Supporting public sector bodies or Union institutions, including regulators, in the health or care sector to carry out the tasks of their mandates. Open to public sector bodies only.',
  },
  {
    ground: 'c',
    title: 'Statistics',
    explanation:
      'Official statistics at national, multi-national or Union level related to the health or care sectors. Open to public sector bodies only.',
  },
  {
    ground: 'd',
    title: 'Education or teaching',
    explanation:
      'Education or teaching in the health or care sectors at the level of vocational or higher education.',
  },
  {
    ground: 'e',
    title: 'Scientific research',
    explanation:
      'Research related to the health or care sectors that contributes to public health or health technology assessment, or ensures the quality and safety of care, medicinal products or medical devices — including development and innovation of products or services, and training, testing and evaluating algorithms.',
  },
  {
    ground: 'f',
    title: 'Improving care',
    explanation:
      'Improving the delivery of care, the optimisation of treatment and the provision of health care, based on the health data of other persons.',
  },
];

/** The short label of an Art. 53(1) ground: '(e) Scientific research'. */
export function purposeLabel(ground: string | null | undefined): string {
  const found = purposeGrounds.find((p) => p.ground === ground);
  return found === undefined ? (ground ?? 'not stated') : `(${found.ground}) ${found.title}`;
}

/** Kinds of applying organisation (DUO's not-for-profit and non-commercial conditions read it). */
export const organisationTypeLabels: Readonly<Record<OrganisationType, string>> = {
  public: 'Public sector body',
  academic: 'University or research institute',
  'non-profit': 'Other not-for-profit organisation',
  commercial: 'Company',
};

/** What each state means to the people involved. */
export const stateLabels: Readonly<Record<string, string>> = {
  draft: 'Draft',
  submitted: 'Submitted',
  returned: 'Returned for changes',
  approved: 'Approved',
  rejected: 'Rejected',
  closed: 'Closed',
  active: 'Permit active',
  expired: 'Permit expired',
  revoked: 'Permit revoked',
};

/** The kinds of application. */
export const kindLabels: Readonly<Record<ApplicationKind, string>> = {
  permit: 'Data permit',
  'data-request': 'Data request',
};

/** The workflow's events, as the history shows them. */
export const eventLabels: Readonly<Record<string, string>> = {
  created: 'Created',
  'form-saved': 'Form saved',
  'attachment-added': 'Attachment added',
  submitted: 'Submitted',
  returned: 'Returned for changes',
  'marked-complete': 'Marked complete',
  'reviewer-invited': 'Reviewer invited',
  'opinion-given': 'Opinion given',
  'deadline-extended': 'Deadline extended',
  approved: 'Approved',
  rejected: 'Rejected',
  'permit-revoked': 'Permit revoked',
  'permit-expired': 'Permit expired',
  closed: 'Closed by the applicant',
  commented: 'Comment',
  'result-published': 'Result published',
  'deadline-missed': 'Deadline missed',
};

/** The opinions a reviewer may give. */
export const opinionLabels: Readonly<Record<Opinion, string>> = {
  approve: 'Approve',
  reject: 'Reject',
  changes: 'Changes needed',
};

/**
 * The vetted algorithms by their names in a permit, for when the hub's algorithm catalogue cannot be read;
 * the pages otherwise take names, titles and versions from GET /api/algorithms.
 */
export const algorithmLabels: Readonly<Record<string, string>> = {
  count: 'Count persons',
  summary: 'Summary statistics',
  crosstab: 'Cross-tabulation with chi-square',
  glm: 'Generalised linear model',
  'kaplan-meier': 'Kaplan–Meier survival',
};

/** A label for `code`, or `code` with its first letter capitalised and dashes as spaces. */
export function labelFor(labels: Readonly<Record<string, string>>, code: string): string {
  const known = labels[code];
  if (known !== undefined) return known;
  const words = code.replaceAll('-', ' ').replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
