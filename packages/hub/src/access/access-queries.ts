import { sql, type Selectable } from 'kysely';
import type { Principal } from '../accounts/principal.ts';
import { HubError } from '../hub-error.ts';
import type { ApplicationsTable } from './_access-tables.ts';
import type { AccessReadCache } from './access-read-cache.ts';
import type { AccessDb } from './application-store.ts';
import { deadlinesOf, type ApplicationSummary } from './application-view.ts';
import { isOverdue, type DueKind } from './deadlines.ts';
import type { ApplicationState } from './workflow.ts';

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** The application's datasets with their current titles, in the form's order, as part of the same query. */
const datasetsColumn = sql<{ id: string; title: string }[]>`coalesce((
  select jsonb_agg(jsonb_build_object('id', x.id, 'title', coalesce(d.title, '')) order by x.n)
  from unnest(a.dataset_ids) with ordinality as x(id, n) left join catalogue_datasets d on d.id = x.id
), '[]'::jsonb)`.as('datasets');

const summaryColumns = [
  'a.id',
  'a.kind',
  'a.title',
  'a.applicant_id',
  'a.applicant_name',
  'a.organisation_name',
  'a.state',
  'a.created_at',
  'a.received_at',
  'a.submitted_at',
  'a.completeness_due',
  'a.decision_due',
  'a.completion_due',
  'a.extended',
  'a.due_at',
  'a.due_kind',
] as const;

type SummaryRow = Pick<
  Selectable<ApplicationsTable>,
  | 'id'
  | 'kind'
  | 'title'
  | 'applicant_id'
  | 'applicant_name'
  | 'organisation_name'
  | 'state'
  | 'created_at'
  | 'received_at'
  | 'submitted_at'
  | 'completeness_due'
  | 'decision_due'
  | 'completion_due'
  | 'extended'
  | 'due_at'
  | 'due_kind'
> & { datasets: { id: string; title: string }[] };

function summaryFromRow(row: SummaryRow, now: Date): ApplicationSummary {
  const due =
    row.due_at === null ? null : { kind: row.due_kind as DueKind, at: new Date(row.due_at).toISOString() };
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    applicant: { id: row.applicant_id, name: row.applicant_name, organisation: row.organisation_name },
    state: row.state as ApplicationState,
    createdAt: new Date(row.created_at).toISOString(),
    receivedAt: iso(row.received_at),
    submittedAt: iso(row.submitted_at),
    deadlines: deadlinesOf(
      {
        completenessDue: iso(row.completeness_due),
        decisionDue: iso(row.decision_due),
        completionDue: iso(row.completion_due),
        extended: row.extended,
        due,
      },
      now,
    ),
    overdue: due !== null && isOverdue(new Date(due.at), now),
    datasets: row.datasets,
  };
}

/** Filters and paging of `GET /api/applications`. */
export interface ApplicationListQuery {
  readonly state?: ApplicationState | undefined;
  readonly overdue?: boolean | undefined;
  readonly page: number;
  readonly pageSize: number;
}

/**
 * The applications a principal may see: their own; for handlers and deciders every received one; for
 * reviewers those they were invited to. Newest first.
 */
export async function listApplications(
  db: AccessDb,
  principal: Principal,
  query: ApplicationListQuery,
  now: Date,
): Promise<{ items: ApplicationSummary[]; total: number }> {
  const wholeBody =
    principal.roles.includes('access_body_handler') || principal.roles.includes('access_body_decider');
  const reviewer = principal.roles.includes('access_body_reviewer');
  let base = db.selectFrom('applications as a').where((eb) => {
    const visible = [eb('a.applicant_id', '=', principal.userId)];
    if (wholeBody) visible.push(eb('a.received_at', 'is not', null));
    if (reviewer) {
      visible.push(
        eb.exists(
          eb
            .selectFrom('application_reviewers as r')
            .select('r.application_id')
            .whereRef('r.application_id', '=', 'a.id')
            .where('r.reviewer_id', '=', principal.userId),
        ),
      );
    }
    return eb.or(visible);
  });
  if (query.state !== undefined) base = base.where('a.state', '=', query.state);
  if (query.overdue !== undefined) {
    base = query.overdue
      ? base.where('a.due_at', '<=', now)
      : base.where((eb) => eb.or([eb('a.due_at', 'is', null), eb('a.due_at', '>', now)]));
  }
  const [rows, count] = await Promise.all([
    base
      .select(summaryColumns)
      .select(datasetsColumn)
      .orderBy(sql`coalesce(a.received_at, a.created_at)`, 'desc')
      .orderBy('a.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((row) => summaryFromRow(row, now)), total: Number(count.n) };
}

/** Filters and keyset paging of the access body's queue. */
export interface QueueQuery {
  readonly state?: 'submitted' | 'returned' | undefined;
  readonly dueKind?: DueKind | undefined;
  readonly overdue?: boolean | undefined;
  /** Opaque cursor from the previous page. */
  readonly after?: string | undefined;
  readonly pageSize: number;
}

/** A queue item: the summary plus the reviewers' progress. */
export type QueueItem = ApplicationSummary & { readonly reviewers: number; readonly opinions: number };

function encodeCursor(dueAt: Date, id: string): string {
  return Buffer.from(`${new Date(dueAt).toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { dueAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const dueAt = new Date(at ?? '');
  if (Number.isNaN(dueAt.getTime()) || id === undefined || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new HubError('invalid_input', 'Cannot read the queue: the cursor is not one this hub gave out');
  }
  return { dueAt, id };
}

/**
 * The access body's work queue: received applications waiting on a clock (submitted: completeness check or
 * decision; returned: the applicant's completion), most urgent first; a reviewer sees only the ones they
 * were invited to. Keyset paging over (due_at, id), which the partial index `applications_queue` serves.
 */
export async function accessQueue(
  db: AccessDb,
  principal: Principal,
  query: QueueQuery,
  now: Date,
  cache?: AccessReadCache,
): Promise<{ items: QueueItem[]; nextCursor: string | null }> {
  const wholeBody =
    principal.roles.includes('access_body_handler') || principal.roles.includes('access_body_decider');
  let select = db
    .selectFrom('applications as a')
    .where('a.state', 'in', query.state === undefined ? ['submitted', 'returned'] : [query.state])
    .where('a.due_at', 'is not', null);
  if (!wholeBody) {
    select = select.where((eb) =>
      eb.exists(
        eb
          .selectFrom('application_reviewers as r')
          .select('r.application_id')
          .whereRef('r.application_id', '=', 'a.id')
          .where('r.reviewer_id', '=', principal.userId),
      ),
    );
  }
  if (query.dueKind !== undefined) select = select.where('a.due_kind', '=', query.dueKind);
  if (query.overdue !== undefined) select = select.where('a.due_at', query.overdue ? '<=' : '>', now);
  if (query.after !== undefined) {
    const { dueAt, id } = decodeCursor(query.after);
    select = select.where((eb) =>
      eb.or([eb('a.due_at', '>', dueAt), eb.and([eb('a.due_at', '=', dueAt), eb('a.id', '>', id)])]),
    );
  }
  const load = () =>
    select
      .select(summaryColumns)
      .select(datasetsColumn)
      .select([
        sql<number>`(select count(*)::int from application_reviewers r where r.application_id = a.id)`.as(
          'reviewers',
        ),
        sql<number>`(select count(*)::int from application_reviewers r where r.application_id = a.id and r.opinion is not null)`.as(
          'opinions',
        ),
      ])
      .orderBy('a.due_at')
      .orderBy('a.id')
      .limit(query.pageSize + 1)
      .execute();
  // Only a filter on `overdue` depends on the time; without one the rows depend on the data alone.
  const key = `queue:${wholeBody ? 'access-body' : principal.userId}:${query.state}:${query.dueKind}:${query.after}:${query.pageSize}`;
  const rows =
    cache !== undefined && query.overdue === undefined ? await cache.get(db, key, load) : await load();
  const page = rows.slice(0, query.pageSize);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      ...summaryFromRow(row, now),
      reviewers: row.reviewers,
      opinions: row.opinions,
    })),
    nextCursor:
      rows.length > query.pageSize && last?.due_at != null ? encodeCursor(last.due_at, last.id) : null,
  };
}

/** An entry of the public register. */
export interface RegisterEntry {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly publicSummary: string;
  readonly applicantOrganisation: string;
  readonly purposeGround: string | null;
  readonly datasets: { id: string; title: string }[];
  readonly receivedAt: string;
  readonly state: string;
  readonly decision?: { outcome: string; reasons: string; at: string };
  readonly permit?: { id: string; validFrom: string; validUntil: string; status: string };
  readonly results: { title: string; summary: string; url?: string; at: string }[];
}

/** Filters and paging of the public register. */
export interface RegisterQuery {
  readonly state?: ApplicationState | undefined;
  readonly q?: string | undefined;
  readonly page: number;
  /** Null: everything (the CSV). */
  readonly pageSize: number | null;
}

/**
 * The public register: every application from its receipt (public summary, organisation, purpose ground,
 * datasets), its decision with reasons, its permit and published results. Newest first.
 */
export async function publicRegister(
  db: AccessDb,
  query: RegisterQuery,
  cache?: AccessReadCache,
): Promise<{ applications: RegisterEntry[]; total: number }> {
  if (cache !== undefined) {
    const key = `register:${query.state}:${query.page}:${query.pageSize}:${query.q ?? ''}`;
    return cache.get(db, key, () => publicRegister(db, query));
  }
  let base = db.selectFrom('applications as a').where('a.received_at', 'is not', null);
  if (query.state !== undefined) base = base.where('a.state', '=', query.state);
  const text = query.q?.trim() ?? '';
  if (text !== '') {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    base = base.where((eb) =>
      eb.or([
        eb('a.title', 'ilike', pattern),
        eb('a.public_summary', 'ilike', pattern),
        eb('a.organisation_name', 'ilike', pattern),
      ]),
    );
  }
  // The page's ids first, from the narrow index alone, then the wide rows of just those: a deep page then
  // skips index entries, not whole rows.
  let ids = base.select('a.id').orderBy('a.received_at', 'desc').orderBy('a.id', 'desc');
  if (query.pageSize !== null) ids = ids.limit(query.pageSize).offset((query.page - 1) * query.pageSize);
  const rows = db
    .selectFrom('applications as a')
    .leftJoin('permits as p', 'p.id', 'a.permit_id')
    .where('a.id', 'in', ids)
    .select([
      'a.id',
      'a.kind',
      'a.title',
      'a.public_summary',
      'a.organisation_name',
      'a.purpose_ground',
      'a.received_at',
      'a.state',
      'a.decision',
      'a.results',
      'p.id as permit_id',
      'p.valid_from',
      'p.valid_until',
      'p.status as permit_status',
    ])
    .select(datasetsColumn)
    .orderBy('a.received_at', 'desc')
    .orderBy('a.id', 'desc');
  const found = await rows.execute();
  const count =
    text === ''
      ? await db
          .selectFrom('access_register_counts')
          .select(sql<string>`coalesce(sum(applications), 0)`.as('n'))
          .$if(query.state !== undefined, (qb) => qb.where('state', '=', query.state ?? ''))
          .executeTakeFirstOrThrow()
      : await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return {
    total: Number(count.n),
    applications: found.map((row) => {
      const decision = row.decision as NonNullable<RegisterEntry['decision']> | null;
      return {
        id: row.id,
        kind: row.kind,
        title: row.title,
        publicSummary: row.public_summary,
        applicantOrganisation: row.organisation_name,
        purposeGround: row.purpose_ground,
        datasets: row.datasets,
        receivedAt: new Date(row.received_at ?? 0).toISOString(),
        state: row.state,
        ...(decision === null ? {} : { decision }),
        ...(row.permit_id === null || row.valid_from === null || row.valid_until === null
          ? {}
          : {
              permit: {
                id: row.permit_id,
                validFrom: new Date(row.valid_from).toISOString(),
                validUntil: new Date(row.valid_until).toISOString(),
                status: row.permit_status ?? 'active',
              },
            }),
        results: row.results as RegisterEntry['results'],
      };
    }),
  };
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break; a cell that a spreadsheet
 * would take for a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe first.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The register as CSV, one line per application, CRLF line ends, with a header. */
export function registerCsv(entries: readonly RegisterEntry[]): string {
  const header = [
    'id',
    'kind',
    'title',
    'public_summary',
    'applicant_organisation',
    'purpose_ground',
    'datasets',
    'received_at',
    'state',
    'decision',
    'decision_reasons',
    'decision_at',
    'permit_id',
    'permit_valid_from',
    'permit_valid_until',
    'permit_status',
    'results',
  ];
  const lines = [header.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.id,
        e.kind,
        e.title,
        e.publicSummary,
        e.applicantOrganisation,
        e.purposeGround ?? '',
        e.datasets.map((d) => d.title || d.id).join('; '),
        e.receivedAt,
        e.state,
        e.decision?.outcome ?? '',
        e.decision?.reasons ?? '',
        e.decision?.at ?? '',
        e.permit?.id ?? '',
        e.permit?.validFrom ?? '',
        e.permit?.validUntil ?? '',
        e.permit?.status ?? '',
        e.results.map((r) => `${r.title}: ${r.summary}`).join('; '),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
