import type { User } from '../../api-client.ts';
import type {
  Application,
  ApplicationForm as Form,
  OrganisationType,
  PurposeGround,
  TeamMember,
} from './access-api.ts';

/*
 * The application form as its fields hold it (text), and the conversions to and from the API's form.
 */

/** The form as its fields hold it: text everywhere, turned into the API's shape on save. */
export interface Draft {
  readonly publicSummary: string;
  readonly applicant: {
    readonly name: string;
    readonly organisation: string;
    readonly email: string;
    readonly role: string;
    readonly organisationType: OrganisationType | '';
  };
  readonly team: readonly TeamMember[];
  readonly ground: PurposeGround | '';
  readonly purposeDescription: string;
  readonly datasets: readonly string[];
  readonly acceptedTerms: readonly string[];
  readonly dataToBeLinked: string;
  readonly environment: string;
  readonly safeguards: string;
  readonly requestedAnalyses: string;
  readonly cohort: string;
  readonly algorithmName: string;
  readonly algorithmVersion: string;
  readonly parameters: string;
  readonly durationMonths: string;
  readonly includeMe: boolean;
  readonly otherUsers: string;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** The fields of `application`'s form, filled in from what was saved and, for the applicant, from `user`. */
export function draftOf(
  application: Pick<Application, 'form' | 'datasets'>,
  user: Pick<User, 'id' | 'name' | 'email' | 'organisation'>,
): Draft {
  const form = application.form;
  const namedUsers = form.namedUsers ?? [user.id];
  return {
    publicSummary: form.publicSummary ?? '',
    applicant: {
      name: form.applicant?.name ?? user.name,
      organisation: form.applicant?.organisation ?? user.organisation.name,
      email: form.applicant?.email ?? user.email,
      role: form.applicant?.role ?? '',
      organisationType: form.applicant?.organisationType ?? '',
    },
    team: form.team ?? [],
    ground: form.purpose?.ground ?? '',
    purposeDescription: form.purpose?.description ?? '',
    datasets: form.datasets ?? application.datasets.map((d) => d.id),
    acceptedTerms: form.acceptedTerms ?? [],
    dataToBeLinked: form.dataToBeLinked ?? '',
    environment: form.processing?.environment ?? '',
    safeguards: form.processing?.safeguards ?? '',
    requestedAnalyses: form.requestedAnalyses ?? '',
    cohort: form.analysis === undefined ? '' : json(form.analysis.cohort),
    algorithmName: form.analysis?.algorithm.name ?? '',
    algorithmVersion: form.analysis?.algorithm.version ?? '1.0.0',
    parameters: form.analysis === undefined ? '{}' : json(form.analysis.parameters),
    durationMonths: form.duration === undefined ? '' : String(form.duration.months),
    includeMe: namedUsers.includes(user.id),
    otherUsers: namedUsers.filter((id) => id !== user.id).join('\n'),
  };
}

/** A form that cannot be saved as it is, and why. */
export class DraftProblem extends Error {}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DraftProblem(`Cannot save: the ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DraftProblem(`Cannot save: the ${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * The form to save from the fields: what is empty is left out, so that a half-done draft saves as such;
 * the applicant is a named user while `includeMe` holds.
 * @throws DraftProblem when a data request's cohort or parameters are not a JSON object
 */
export function formOf(draft: Draft, kind: Application['kind'], user: Pick<User, 'id'>): Form {
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  const some = <T extends object>(value: T): T | undefined =>
    Object.values(value).some((v) => v !== undefined) ? value : undefined;
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
      [K in keyof T]?: Exclude<T[K], undefined>;
    };
  const months = Number.parseInt(draft.durationMonths, 10);
  const others = draft.otherUsers
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== '' && id !== user.id);
  const applicant = some(
    defined({
      name: text(draft.applicant.name),
      organisation: text(draft.applicant.organisation),
      email: text(draft.applicant.email),
      role: text(draft.applicant.role),
      organisationType:
        draft.applicant.organisationType === '' ? undefined : draft.applicant.organisationType,
    }),
  );
  const purpose = some(
    defined({
      ground: draft.ground === '' ? undefined : draft.ground,
      description: text(draft.purposeDescription),
    }),
  );
  const processing = some(
    defined({ environment: text(draft.environment), safeguards: text(draft.safeguards) }),
  );
  const analysis =
    kind === 'data-request' && draft.algorithmName !== ''
      ? {
          cohort: parseObject(draft.cohort.trim() === '' ? '{}' : draft.cohort, 'cohort'),
          algorithm: { name: draft.algorithmName, version: text(draft.algorithmVersion) ?? '1.0.0' },
          parameters: parseObject(draft.parameters.trim() === '' ? '{}' : draft.parameters, 'parameters'),
        }
      : undefined;
  return defined({
    publicSummary: text(draft.publicSummary),
    applicant,
    team: draft.team
      .filter((m) => m.name.trim() !== '')
      .map((m) => ({ name: m.name.trim(), organisation: m.organisation.trim(), role: m.role.trim() })),
    purpose,
    datasets: [...draft.datasets],
    acceptedTerms: draft.acceptedTerms.filter((id) => draft.datasets.includes(id)),
    dataToBeLinked: text(draft.dataToBeLinked),
    processing,
    requestedAnalyses: text(draft.requestedAnalyses),
    analysis,
    duration: Number.isInteger(months) && months >= 1 && months <= 120 ? { months } : undefined,
    namedUsers: [...(draft.includeMe ? [user.id] : []), ...others],
  });
}

/** The form section (its id) a missing item belongs to, by its path's first part: 'purpose.ground' → 'purpose'. */
export function sectionOf(path: string): string {
  const head = path.split('.')[0] ?? path;
  const sections: Readonly<Record<string, string>> = {
    publicSummary: 'summary',
    applicant: 'applicant',
    team: 'applicant',
    purpose: 'purpose',
    datasets: 'datasets',
    acceptedTerms: 'datasets',
    dataToBeLinked: 'linking',
    processing: 'processing',
    requestedAnalyses: 'analyses',
    analysis: 'analyses',
    duration: 'duration',
    namedUsers: 'users',
  };
  return sections[head] ?? 'summary';
}
