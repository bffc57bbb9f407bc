import { ApiError } from '../../api-client.ts';

/*
 * The access procedure's API (applications, review, permits, the public register), declared after the
 * contract in /work/briefs/access-contract.md while the hub's routes are being built. Once the routes are in
 * the hub's OpenAPI document, these types are to be derived from `api-types.generated.ts` as `api-client.ts`
 * does for the catalogue; until then they declare only the part the app reads.
 */

/** A permit application, or a data request (EHDS Art. 69: anonymised statistics only). */
export type ApplicationKind = 'permit' | 'data-request';

/** Where an application stands; derived by the hub from its events. */
export type ApplicationState =
  'draft' | 'submitted' | 'returned' | 'approved' | 'rejected' | 'closed' | (string & {});

/** An Art. 53(1) ground, (a) to (f). */
export type PurposeGround = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';

/** A person on the applicant's team. */
export interface TeamMember {
  readonly name: string;
  readonly organisation: string;
  readonly role: string;
}

/** The application form, in the sections of EHDS Art. 67; every part may be missing while a draft. */
export interface ApplicationForm {
  readonly publicSummary?: string;
  readonly applicant?: {
    readonly name: string;
    readonly organisation: string;
    readonly email: string;
    readonly role: string;
  };
  readonly team?: readonly TeamMember[];
  readonly purpose?: { readonly ground?: PurposeGround; readonly description?: string };
  readonly datasets?: readonly string[];
  /** The datasets whose terms of use (their DUO conditions) the applicant accepted. */
  readonly acceptedTerms?: readonly string[];
  readonly dataToBeLinked?: string;
  /** The processing environment and the safeguards. */
  readonly processing?: string;
  readonly requestedAnalyses?: string;
  /** For a data request: the statistics asked for. */
  readonly analysis?: {
    readonly cohort?: string;
    readonly algorithm?: { readonly name: string; readonly version: string };
    readonly parameters?: Readonly<Record<string, unknown>>;
  };
  readonly duration?: { readonly months: number };
  /** Hub user ids of the persons who will work with the data. */
  readonly namedUsers?: readonly string[];
}

/** A person as the access API names them. */
export interface Actor {
  readonly id: string;
  readonly name: string;
}

/** The legal clocks of an application (ISO instants). */
export interface Deadlines {
  /** Three months after the application was marked complete (six once extended). */
  readonly decisionDue?: string | null;
  /** Four weeks after it was returned: the applicant's time to complete it. */
  readonly completionDue?: string | null;
  readonly extended?: boolean;
}

/** A dataset of an application. */
export interface ApplicationDataset {
  readonly id: string;
  readonly title?: string;
  readonly publisher?: string;
}

/** One application in a list. */
export interface ApplicationSummary {
  readonly id: string;
  readonly kind: ApplicationKind;
  readonly title: string;
  readonly applicant: Actor & { readonly organisation?: string };
  readonly state: ApplicationState;
  readonly submittedAt?: string | null;
  readonly createdAt?: string;
  readonly deadlines?: Deadlines;
  readonly overdue?: boolean;
  readonly datasets?: readonly (ApplicationDataset | string)[];
}

/** One event of an application's history: who did what, when, and why. */
export interface ApplicationEvent {
  readonly seq: number;
  readonly type: string;
  readonly actor: Actor;
  readonly at: string;
  readonly comment?: string | null;
}

/** The outcome of checking one DUO condition of a dataset against the stated purpose. */
export interface DuoCheck {
  readonly datasetId: string;
  readonly code: string;
  readonly outcome: 'ok' | 'warning' | 'block';
  readonly message: string;
}

/** An opinion of an invited reviewer. */
export type Opinion = 'approve' | 'reject' | 'changes';

/** A reviewer invited to an application, with their opinion once given. */
export interface Reviewer extends Actor {
  readonly invitedAt?: string;
  readonly opinion?: { readonly opinion: Opinion; readonly comment?: string; readonly at?: string } | null;
}

/** An uploaded file's metadata. */
export interface Attachment {
  readonly id: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly size?: number;
  readonly uploadedAt?: string;
}

/** Disclosure settings of a permit: only ever stricter than a station's own policy. */
export interface DisclosureSettings {
  readonly minCount?: number;
  readonly roundTo?: number;
}

/** A differential-privacy budget for the whole permit. */
export interface PrivacyBudget {
  readonly epsilon: number;
  readonly delta?: number;
}

/** A permit as the application shows it. */
export interface PermitSummary {
  readonly id: string;
  readonly status: 'active' | 'expired' | 'revoked' | (string & {});
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly algorithms?: readonly string[];
  readonly disclosure?: DisclosureSettings;
  readonly privacyBudget?: PrivacyBudget | null;
}

/** A full application, as its applicant and the access body see it. */
export interface Application extends ApplicationSummary {
  readonly form: ApplicationForm;
  readonly events: readonly ApplicationEvent[];
  readonly duoChecks?: readonly DuoCheck[];
  readonly reviewers?: readonly Reviewer[];
  readonly attachments?: readonly Attachment[];
  readonly permit?: PermitSummary | null;
}

/** A page of applications. */
export interface ApplicationList {
  readonly items: readonly ApplicationSummary[];
  readonly total?: number;
}

/** An application in the access body's queue, with its clocks. */
export interface QueueItem extends ApplicationSummary {
  /** Whole days until the decision is due (negative when overdue). */
  readonly daysToDecision?: number | null;
  /** Whole days the applicant has left to complete a returned application. */
  readonly daysToCompletion?: number | null;
}

/** A page of the queue. */
export interface Queue {
  readonly items: readonly QueueItem[];
  readonly total?: number;
}

/** An in-app reminder for the signed-in user. */
export interface Notification {
  readonly id: string;
  readonly message: string;
  readonly at: string;
  readonly applicationId?: string | null;
  readonly read?: boolean;
}

/** One application in the public register. */
export interface RegisterEntry {
  readonly id: string;
  readonly title: string;
  readonly publicSummary?: string | null;
  readonly applicantOrganisation?: string | null;
  readonly purposeGround?: PurposeGround | null;
  readonly datasets?: readonly (ApplicationDataset | string)[];
  readonly receivedAt?: string | null;
  readonly state: ApplicationState;
  readonly decision?: {
    readonly outcome: string;
    readonly reasons?: string | readonly string[] | null;
    readonly at: string;
  } | null;
  readonly permit?: {
    readonly id: string;
    readonly validFrom?: string;
    readonly validUntil?: string;
    readonly status: string;
  } | null;
  readonly results?: readonly unknown[];
}

/** A page of the public register. */
export interface Register {
  readonly applications: readonly RegisterEntry[];
  readonly total: number;
}

/** A workflow command and its arguments. */
export type Command =
  | { readonly command: 'submit' }
  | { readonly command: 'return'; readonly comment: string }
  | { readonly command: 'mark-complete'; readonly comment?: string }
  | { readonly command: 'invite-reviewer'; readonly reviewerId: string; readonly comment?: string }
  | { readonly command: 'give-opinion'; readonly opinion: Opinion; readonly comment: string }
  | { readonly command: 'extend-deadline'; readonly reason: string }
  | {
      readonly command: 'approve';
      readonly comment?: string;
      readonly permit: {
        readonly validFrom?: string;
        readonly months: number;
        readonly algorithms: readonly string[];
        readonly disclosure?: DisclosureSettings;
        readonly privacyBudget?: PrivacyBudget;
      };
    }
  | { readonly command: 'reject'; readonly reason: string }
  | { readonly command: 'revoke-permit'; readonly reason: string }
  | { readonly command: 'close'; readonly comment?: string }
  | { readonly command: 'comment'; readonly comment: string };

/** A page request with optional filters. */
export interface ListQuery {
  readonly state?: string;
  readonly overdue?: boolean;
  readonly q?: string;
  readonly page?: number;
  readonly pageSize?: number;
}

/**
 * Why the hub refused a call, with the problems it listed when it gave any (a submit of an incomplete
 * application lists what is missing).
 */
export class AccessApiError extends ApiError {
  readonly problems: readonly string[];

  constructor(code: string, status: number, message: string, problems: readonly string[]) {
    super(code, status, message);
    this.problems = problems;
  }
}

/** The problems of an error body: `problems` as strings or `{ message }`s, when the hub sent any. */
function problemsOf(error: Record<string, unknown>): string[] {
  const list = error['problems'] ?? error['details'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item === 'string') return [item];
    if (typeof item === 'object' && item !== null) {
      const { message, section, field } = item as Record<string, unknown>;
      const where = typeof section === 'string' ? section : typeof field === 'string' ? field : '';
      if (typeof message === 'string') return [where === '' ? message : `${where}: ${message}`];
    }
    return [];
  });
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new ApiError('network', 0, 'Cannot reach the hub: check your connection and try again', { cause });
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (payload as { error?: Record<string, unknown> } | undefined)?.error ?? {};
    throw new AccessApiError(
      typeof error['code'] === 'string' ? error['code'] : 'http',
      response.status,
      typeof error['message'] === 'string' ? error['message'] : `The hub answered ${response.status}`,
      problemsOf(error),
    );
  }
  return payload as T;
}

function queryString(query: ListQuery): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const applicationPath = (id: string) => `/api/applications/${encodeURIComponent(id)}`;

/** Where the public register's JSON and CSV downloads are. */
export const registerDownloads = { json: '/api/register', csv: '/api/register.csv' } as const;

/** The path of an attachment's file. */
export function attachmentPath(applicationId: string, attachmentId: string): string {
  return `${applicationPath(applicationId)}/attachments/${encodeURIComponent(attachmentId)}`;
}

/** The access API. Every call goes through `fetch` with the session cookie. */
export const accessApi = {
  createApplication: (body: {
    readonly kind: ApplicationKind;
    readonly title: string;
    readonly datasetIds?: readonly string[];
  }) => call<Application>('POST', '/api/applications', body),
  applications: (query: ListQuery = {}) =>
    call<ApplicationList>('GET', `/api/applications${queryString(query)}`),
  application: (id: string) => call<Application>('GET', applicationPath(id)),
  saveForm: (id: string, form: ApplicationForm) =>
    call<Application>('PUT', `${applicationPath(id)}/form`, form),
  uploadAttachment: (
    id: string,
    file: { readonly filename: string; readonly mediaType: string; readonly contentBase64: string },
  ) => call<Attachment>('POST', `${applicationPath(id)}/attachments`, file),
  command: (id: string, command: Command) =>
    call<Application>('POST', `${applicationPath(id)}/commands`, command),
  queue: (query: ListQuery = {}) => call<Queue>('GET', `/api/access/queue${queryString(query)}`),
  notifications: () => call<{ readonly items: readonly Notification[] }>('GET', '/api/notifications'),
  register: (query: ListQuery = {}) => call<Register>('GET', `/api/register${queryString(query)}`),
};
