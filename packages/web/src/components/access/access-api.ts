import { callHub as call } from '../../api-client.ts';
import type { paths } from '../../api-types.generated.ts';

/*
 * The access procedure's API (applications, review, permits, the public register), typed from the hub's
 * OpenAPI document like `api-client.ts` types the catalogue. Only the workflow commands are spelt out here,
 * one type per command, because the document describes their body as one object with every argument
 * optional.
 */

/** The JSON body of a `S` answer of `path`'s `method`. */
type Answer<
  P extends keyof paths,
  M extends 'get' | 'post' | 'put',
  S extends number = 200,
> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** The JSON request body of `path`'s `method`. */
type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** A full application, as its applicant and the access body see it (GET /api/applications/:id). */
export type Application = Answer<'/api/applications/{id}', 'get'>;
/** A page of applications (GET /api/applications). */
export type ApplicationList = Answer<'/api/applications', 'get'>;
/** One application in a list. */
export type ApplicationSummary = ApplicationList['items'][number];
/** The application form, in the sections of EHDS Art. 67; every part may be missing while a draft. */
export type ApplicationForm = Body<'/api/applications/{id}/form', 'put'>;
/** A permit application, or a data request (EHDS Art. 69: anonymised statistics only). */
export type ApplicationKind = Application['kind'];
/** Where an application stands; derived by the hub from its events. */
export type ApplicationState = Application['state'];
/** An Art. 53(1) ground, (a) to (f). */
export type PurposeGround = NonNullable<NonNullable<ApplicationForm['purpose']>['ground']>;
/** What kind of organisation applies: DUO's not-for-profit and non-commercial conditions read it. */
export type OrganisationType = NonNullable<NonNullable<ApplicationForm['applicant']>['organisationType']>;
/** A person on the applicant's team. */
export type TeamMember = NonNullable<ApplicationForm['team']>[number];
/** The legal clocks of an application. */
export type Deadlines = Application['deadlines'];
/** Which deadline the procedure waits on. */
export type DueKind = NonNullable<Deadlines['dueKind']>;
/** One event of an application's history: who did what, when, and why. */
export type ApplicationEvent = Application['events'][number];
/** The outcome of checking one DUO condition of a dataset against the stated purpose. */
export type DuoCheck = Application['duoChecks'][number];
/** A section the application still lacks before it can be submitted (`section` is its path in the form). */
export type MissingSection = Application['completeness']['missing'][number];
/** A reviewer invited to an application, with their opinion once given. */
export type Reviewer = Application['reviewers'][number];
/** An opinion of an invited reviewer. */
export type Opinion = NonNullable<Reviewer['opinion']>;
/** A command the signed-in user may send now. */
export type CommandName = Application['availableCommands'][number];
/** An uploaded file's metadata. */
export type Attachment = Answer<'/api/applications/{id}/attachments', 'post', 201>;
/** A page of the access body's queue, most urgent first; `nextCursor` asks for the next page. */
export type Queue = Answer<'/api/access/queue', 'get'>;
/** An application in the queue, with the number of reviewers and opinions. */
export type QueueItem = Queue['items'][number];
/** The signed-in user's notifications (reminders, decisions, invitations), newest first. */
export type Notifications = Answer<'/api/notifications', 'get'>;
/** One notification. */
export type Notification = Notifications['items'][number];
/** A page of the public register. */
export type Register = Answer<'/api/register', 'get'>;
/** One application in the public register. */
export type RegisterEntry = Register['applications'][number];
/** The query of the applications list. */
export type ApplicationsQuery = NonNullable<paths['/api/applications']['get']['parameters']['query']>;
/** The query of the queue. */
export type QueueQuery = NonNullable<paths['/api/access/queue']['get']['parameters']['query']>;
/** The query of the register. */
export type RegisterQuery = NonNullable<paths['/api/register']['get']['parameters']['query']>;
/** An algorithm of the vetted library: name, version, title (GET /api/algorithms). */
export type AlgorithmInfo = Answer<'/api/algorithms', 'get'>[number];
/** A command's body as the hub's schema describes it. */
type CommandBody = Body<'/api/applications/{id}/commands', 'post'>;
/** What an approval grants. */
type PermitTerms = NonNullable<CommandBody['permit']>;

/** A workflow command and its arguments. */
export type Command =
  | { readonly command: 'submit' }
  | { readonly command: 'return'; readonly comment: string }
  | { readonly command: 'mark-complete'; readonly comment?: string }
  | { readonly command: 'invite-reviewer'; readonly reviewerId: string; readonly comment?: string }
  | { readonly command: 'give-opinion'; readonly opinion: Opinion; readonly comment: string }
  | { readonly command: 'extend-deadline'; readonly reason: string }
  | { readonly command: 'approve'; readonly comment?: string; readonly permit: PermitTerms }
  | { readonly command: 'reject'; readonly reason: string }
  | { readonly command: 'revoke-permit'; readonly reason: string }
  | { readonly command: 'close'; readonly comment?: string }
  | { readonly command: 'comment'; readonly comment: string }
  | { readonly command: 'publish-result'; readonly result: NonNullable<CommandBody['result']> };

// Each command must be a body the hub's schema accepts: this fails to compile when they drift apart.
const _commandsFitTheSchema = (command: Command): CommandBody => command;

/*
 * The same fetch as api-client.ts's (which does not export it): JSON in and out with the session cookie,
 * the hub's `{ error: { code, message } }` as an ApiError.
 */
function queryString(query: Readonly<Record<string, string | number | boolean | undefined>>): string {
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
  createApplication: (body: Body<'/api/applications', 'post'>) =>
    call<Application>('POST', '/api/applications', body),
  applications: (query: ApplicationsQuery = {}) =>
    call<ApplicationList>('GET', `/api/applications${queryString(query)}`),
  application: (id: string) => call<Application>('GET', applicationPath(id)),
  saveForm: (id: string, form: ApplicationForm) =>
    call<Application>('PUT', `${applicationPath(id)}/form`, form),
  uploadAttachment: (id: string, file: Body<'/api/applications/{id}/attachments', 'post'>) =>
    call<Attachment>('POST', `${applicationPath(id)}/attachments`, file),
  command: (id: string, command: Command) =>
    call<Application>('POST', `${applicationPath(id)}/commands`, command),
  queue: (query: QueueQuery = {}) => call<Queue>('GET', `/api/access/queue${queryString(query)}`),
  algorithms: () => call<AlgorithmInfo[]>('GET', '/api/algorithms'),
  notifications: () => call<Notifications>('GET', '/api/notifications'),
  register: (query: RegisterQuery = {}) => call<Register>('GET', `/api/register${queryString(query)}`),
};
