import { createHash, randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { PermitDocument } from '@polder/protocol';
import { Type } from 'typebox';
import { requirePrincipal, requireRole, requireSignedIn, type Principal } from '../accounts/principal.ts';
import { auditRequest } from '../audit/audit-request.ts';
import { listBasket } from '../catalogue/basket.ts';
import { uuid7 } from '../db/uuid7.ts';
import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import {
  BoundedString,
  ErrorResponse,
  IdParams,
  Nullable,
  StrictObject,
  Timestamp,
  Uuid,
} from '../schema.ts';
import { startAccessClock } from './access-clock.ts';
import { AccessReadCache } from './access-read-cache.ts';
import { accessQueue, listApplications, publicRegister, registerCsv } from './access-queries.ts';
import { CommandRefusedError, dataUseChecks, newApplicationId, runCommand } from './access-service.ts';
import { ApplicationForm } from './application-form.ts';
import { loadEvents } from './application-store.ts';
import {
  actorOf,
  ApplicationSummary,
  ApplicationView,
  clientCommands,
  mayView,
  viewOf,
  type ClientCommand,
} from './application-view.ts';
import { addCalendarMonths } from './deadlines.ts';
import { applicationStates, replay, type Application, type Command, type EventBody } from './workflow.ts';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
const tags = ['access'];
/** Largest attachment, in bytes. */
const maxAttachmentBytes = 5 * 1024 * 1024;
/** Attachments served with their own media type; anything else as a download of octets. */
const inlineMediaTypes = new Set(['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'text/csv']);

const eventTypes: readonly EventBody['type'][] = [
  'created',
  'form-saved',
  'attachment-added',
  'submitted',
  'returned',
  'marked-complete',
  'reviewer-invited',
  'opinion-given',
  'deadline-extended',
  'approved',
  'rejected',
  'permit-revoked',
  'permit-expired',
  'closed',
  'commented',
  'result-published',
  'deadline-missed',
];

const Comment = Type.String({ maxLength: 10_000 });
const Algorithm = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', maxLength: 63 });

const CreateBody = StrictObject({
  kind: Type.Enum(['permit', 'data-request']),
  title: BoundedString(300),
  datasetIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100 })),
});

const CommandBody = StrictObject(
  {
    command: Type.Enum(clientCommands),
    comment: Type.Optional(Comment),
    reason: Type.Optional(Comment),
    reviewerId: Type.Optional(Uuid),
    opinion: Type.Optional(Type.Enum(['approve', 'reject', 'changes'])),
    permit: Type.Optional(
      StrictObject({
        validFrom: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
        months: Type.Integer({ minimum: 1, maximum: 120 }),
        algorithms: Type.Array(Algorithm, { minItems: 1, maxItems: 50 }),
        disclosure: Type.Optional(
          StrictObject({
            minCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            roundTo: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
        ),
        privacyBudget: Type.Optional(
          StrictObject({
            epsilon: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
            delta: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
          }),
        ),
      }),
    ),
    result: Type.Optional(
      StrictObject({
        title: BoundedString(300),
        summary: BoundedString(10_000),
        url: Type.Optional(BoundedString(2000, { pattern: '^https?://' })),
      }),
    ),
  },
  {
    description:
      'One command and its arguments: submit, return {comment}, mark-complete, invite-reviewer {reviewerId}, give-opinion {opinion, comment}, extend-deadline {reason}, approve {permit}, reject {reason}, revoke-permit {reason}, close, comment {comment}, publish-result {result}.',
  },
);

const ListQuery = StrictObject({
  state: Type.Optional(Type.Enum(applicationStates)),
  overdue: Type.Optional(Type.Boolean()),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

const QueueQuery = StrictObject({
  state: Type.Optional(Type.Enum(['submitted', 'returned'])),
  dueKind: Type.Optional(Type.Enum(['completeness', 'decision', 'completion'])),
  overdue: Type.Optional(Type.Boolean()),
  after: Type.Optional(BoundedString(200, { description: 'The nextCursor of the previous page' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

const RegisterQuery = StrictObject({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  state: Type.Optional(Type.Enum(applicationStates)),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

const RegisterEntrySchema = Type.Object({
  id: Uuid,
  kind: Type.String(),
  title: Type.String(),
  publicSummary: Type.String(),
  applicantOrganisation: Type.String(),
  purposeGround: Nullable(Type.String()),
  datasets: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
  receivedAt: Timestamp,
  state: Type.String(),
  decision: Type.Optional(Type.Object({ outcome: Type.String(), reasons: Type.String(), at: Timestamp })),
  permit: Type.Optional(
    Type.Object({ id: Uuid, validFrom: Timestamp, validUntil: Timestamp, status: Type.String() }),
  ),
  results: Type.Array(
    Type.Object({
      title: Type.String(),
      summary: Type.String(),
      url: Type.Optional(Type.String()),
      at: Timestamp,
    }),
  ),
});

const AttachmentBody = StrictObject({
  filename: BoundedString(255, { pattern: '^[^/\\\\\\u0000-\\u001f]+$' }),
  mediaType: BoundedString(100, {
    pattern: '^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*$',
  }),
  contentBase64: Type.String({
    minLength: 0,
    maxLength: Math.ceil(maxAttachmentBytes / 3) * 4 + 4,
    pattern: '^[A-Za-z0-9+/]*={0,2}$',
  }),
});
const AttachmentMeta = Type.Object({
  id: Uuid,
  filename: Type.String(),
  mediaType: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
});

const WebhookBody = StrictObject({
  url: BoundedString(2000, { pattern: '^https?://[^\\s/]+' }),
  eventTypes: Type.Array(Type.Enum(['*', ...eventTypes]), { minItems: 1, maxItems: eventTypes.length + 1 }),
});
const Webhook = Type.Object({
  id: Uuid,
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  createdAt: Timestamp,
});

/** Loads an application the principal may see, or 404 (also when it exists but is not theirs to see). */
async function visibleApplication(
  hub: HubContext,
  principal: Principal,
  id: string,
): Promise<{ app: Application; events: Awaited<ReturnType<typeof loadEvents>> }> {
  const events = await loadEvents(hub.db, id);
  const app = replay(events);
  if (app === null || !mayView(principal, app))
    throw new HubError('not_found', `Cannot find application ${id}`);
  return { app, events };
}

async function applicationView(hub: HubContext, principal: Principal, id: string): Promise<ApplicationView> {
  const { app, events } = await visibleApplication(hub, principal, id);
  const { checks, datasets } = await dataUseChecks(hub.db, app.form);
  return viewOf(id, app, events, {
    datasets: new Map(datasets.map((d) => [d.datasetId, d.title])),
    duoChecks: checks,
    actor: actorOf(principal),
    now: hub.now(),
  });
}

/** Turns a client's command body into a workflow command, looking up what the workflow needs. */
async function toCommand(
  hub: HubContext,
  app: Application,
  body: {
    command: ClientCommand;
    comment?: string;
    reason?: string;
    reviewerId?: string;
    opinion?: 'approve' | 'reject' | 'changes';
    permit?: {
      validFrom?: string;
      months: number;
      algorithms: string[];
      disclosure?: { minCount?: number; roundTo?: number };
      privacyBudget?: { epsilon: number; delta?: number };
    };
    result?: { title: string; summary: string; url?: string };
  },
): Promise<Command> {
  const comment = body.comment === undefined ? {} : { comment: body.comment };
  const reason = body.reason ?? body.comment;
  const reasonPart = reason === undefined ? {} : { reason };
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new HubError('invalid_input', `Cannot ${body.command}: the body needs '${what}'`);
    return value;
  };
  switch (body.command) {
    case 'submit': {
      const { checks, datasets } = await dataUseChecks(hub.db, app.form);
      const titles = new Map(datasets.map((d) => [d.datasetId, d.title]));
      const duoBlocks = checks
        .filter((c) => c.outcome === 'block')
        .map((c) => `${titles.get(c.datasetId) ?? c.datasetId} (${c.code}): ${c.message}`);
      const gone = (app.form.datasets ?? []).filter((id) => !titles.has(id));
      for (const id of gone) duoBlocks.push(`dataset ${id} is no longer in the catalogue`);
      return { type: 'submit', duoBlocks, ...comment };
    }
    case 'invite-reviewer': {
      const reviewerId = need(body.reviewerId, 'reviewerId');
      const reviewer = await hub.db
        .selectFrom('users as u')
        .innerJoin('user_roles as r', 'r.user_id', 'u.id')
        .select(['u.id', 'u.name'])
        .where('u.id', '=', reviewerId)
        .where('r.role', '=', 'access_body_reviewer')
        .where('u.disabled', '=', false)
        .executeTakeFirst();
      if (reviewer === undefined) {
        throw new HubError(
          'invalid_input',
          `Cannot invite reviewer ${reviewerId}: no active user with the reviewer role`,
        );
      }
      return { type: 'invite-reviewer', reviewerId, reviewerName: reviewer.name, ...comment };
    }
    case 'give-opinion':
      return { type: 'give-opinion', opinion: need(body.opinion, 'opinion'), ...comment };
    case 'approve': {
      const terms = need(body.permit, 'permit');
      const validFrom = terms.validFrom === undefined ? hub.now() : new Date(terms.validFrom);
      const now = hub.now().getTime();
      if (Number.isNaN(validFrom.getTime()) || Math.abs(validFrom.getTime() - now) > 366 * 86_400_000) {
        throw new HubError(
          'invalid_input',
          'Cannot approve: permit.validFrom must be a date within a year of today',
        );
      }
      return {
        type: 'approve',
        permit: {
          permitId: uuid7(hub.now()),
          validFrom: validFrom.toISOString(),
          validUntil: addCalendarMonths(validFrom, terms.months).toISOString(),
          algorithms: terms.algorithms,
          disclosure: terms.disclosure ?? {},
          ...(terms.privacyBudget === undefined ? {} : { privacyBudget: terms.privacyBudget }),
        },
        ...comment,
      };
    }
    case 'publish-result':
      return { type: 'publish-result', result: need(body.result, 'result'), ...comment };
    case 'extend-deadline':
    case 'reject':
    case 'revoke-permit':
      return { type: body.command, ...reasonPart };
    case 'return':
    case 'comment':
    case 'mark-complete':
    case 'close':
      return { type: body.command, ...comment };
  }
}

/** Runs a command for a request: audited on success (in its transaction) and on refusal. */
async function commandForRequest(
  request: FastifyRequest,
  id: string,
  command: Command,
  principal: Principal,
): Promise<void> {
  const hub = request.server.hub;
  try {
    await runCommand(hub, id, command, actorOf(principal), {
      inTransaction: (trx, outcome) =>
        auditRequest(
          request,
          {
            event: `application.${command.type}`,
            action: command.type === 'create' ? 'create' : 'update',
            outcome: 'success',
            objectType: 'application',
            objectId: id,
            details: { events: outcome.events.map((e) => e.type), state: outcome.app.state },
          },
          trx,
        ),
    });
  } catch (error) {
    if (error instanceof CommandRefusedError) {
      await auditRequest(request, {
        event: `application.${command.type}`,
        action: 'update',
        outcome: 'refused',
        objectType: 'application',
        objectId: id,
        details: { code: error.code, message: error.message.slice(0, 500) },
      });
      request.refusalAudited = true;
    }
    throw error;
  }
}

/**
 * The access procedure under /api: applications and their commands, attachments, the access body's queue,
 * notifications, permits, the public register (JSON and CSV) and webhooks. Starts the access clock.
 */
export const accessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;
  const cache = new AccessReadCache();
  if (hub.config.accessClockIntervalMs > 0) {
    const stop = startAccessClock(hub, hub.config.accessClockIntervalMs, (error) =>
      app.log.error({ err: error }, 'the access clock failed'),
    );
    app.addHook('onClose', async () => stop());
  }

  app.post(
    '/applications',
    {
      preHandler: requireRole('researcher'),
      schema: {
        tags,
        summary: 'Start an application (draft) for datasets, by default those in your basket',
        body: CreateBody,
        response: { 201: ApplicationView, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const datasetIds =
        request.body.datasetIds ?? (await listBasket(hub.db, principal.userId)).map((item) => item.datasetId);
      if (datasetIds.length === 0) {
        throw new HubError(
          'invalid_input',
          'Cannot start an application: name datasets or put some in your basket first',
        );
      }
      const unique = [...new Set(datasetIds)];
      const published = await hub.db
        .selectFrom('catalogue_datasets')
        .select('id')
        .where('id', 'in', unique)
        .where('published', '=', true)
        .execute();
      const known = new Set(published.map((d) => d.id));
      const unknown = unique.find((id) => !known.has(id));
      if (unknown !== undefined) {
        throw new HubError(
          'invalid_input',
          `Cannot start an application: dataset ${unknown} is not in the catalogue`,
        );
      }
      const organisation = await hub.db
        .selectFrom('organisations')
        .select('name')
        .where('id', '=', principal.organisationId)
        .executeTakeFirst();
      const organisationName = organisation?.name ?? '';
      const id = newApplicationId(hub.now());
      await commandForRequest(
        request,
        id,
        {
          type: 'create',
          kind: request.body.kind,
          title: request.body.title,
          applicant: {
            id: principal.userId,
            name: principal.name,
            organisationId: principal.organisationId,
            organisationName,
          },
          form: {
            applicant: { name: principal.name, email: principal.email, organisation: organisationName },
            datasets: unique,
            acceptedTerms: [],
            namedUsers: [principal.userId],
          },
        },
        principal,
      );
      return reply.code(201).send(await applicationView(hub, principal, id));
    },
  );

  app.get(
    '/applications',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary:
          'Applications you may see: your own; for the access body those received (reviewers: invited ones)',
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(ApplicationSummary),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 25;
      const result = await listApplications(
        hub.db,
        requirePrincipal(request),
        { state: request.query.state, overdue: request.query.overdue, page, pageSize },
        hub.now(),
      );
      return { ...result, page, pageSize };
    },
  );

  app.get(
    '/applications/:id',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary: 'An application in full',
        params: IdParams,
        response: { 200: ApplicationView, ...errors },
      },
    },
    async (request) => applicationView(hub, requirePrincipal(request), request.params.id),
  );

  app.put(
    '/applications/:id/form',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary: 'Save the form (applicant; while draft or returned); completeness is checked on submit',
        params: IdParams,
        body: ApplicationForm,
        response: { 200: ApplicationView, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      await visibleApplication(hub, principal, request.params.id);
      await commandForRequest(
        request,
        request.params.id,
        { type: 'save-form', form: request.body },
        principal,
      );
      return applicationView(hub, principal, request.params.id);
    },
  );

  app.post(
    '/applications/:id/attachments',
    {
      preHandler: requireSignedIn,
      bodyLimit: Math.ceil(maxAttachmentBytes / 3) * 4 + 64 * 1024,
      schema: {
        tags,
        summary: 'Attach a file (applicant; at most 5 MB)',
        params: IdParams,
        body: AttachmentBody,
        response: { 201: AttachmentMeta, ...errors, 413: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const id = request.params.id;
      await visibleApplication(hub, principal, id);
      const content = Buffer.from(request.body.contentBase64, 'base64');
      if (content.length > maxAttachmentBytes) {
        throw new HubError('payload_too_large', 'Cannot attach the file: it is larger than 5 MB');
      }
      const attachment = {
        id: uuid7(hub.now()),
        filename: request.body.filename,
        mediaType: request.body.mediaType.toLowerCase(),
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      };
      {
        await runCommand(hub, id, { type: 'add-attachment', attachment }, actorOf(principal), {
          inTransaction: async (inner) => {
            await inner
              .insertInto('application_attachments')
              .values({
                id: attachment.id,
                application_id: id,
                filename: attachment.filename,
                media_type: attachment.mediaType,
                size: attachment.size,
                sha256: attachment.sha256,
                content,
                uploaded_by: principal.userId,
                uploaded_at: hub.now(),
              })
              .execute();
            await auditRequest(
              request,
              {
                event: 'application.add-attachment',
                action: 'create',
                outcome: 'success',
                objectType: 'application',
                objectId: id,
                details: { attachmentId: attachment.id, size: attachment.size },
              },
              inner,
            );
          },
        });
      }
      return reply.code(201).send(attachment);
    },
  );

  app.get(
    '/applications/:id/attachments/:attachmentId',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary: 'An attached file',
        params: StrictObject({ id: Uuid, attachmentId: Uuid }),
        response: { 200: Type.Unknown({ description: 'The file' }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await visibleApplication(hub, principal, request.params.id);
      const file = await hub.db
        .selectFrom('application_attachments')
        .select(['filename', 'media_type', 'content'])
        .where('id', '=', request.params.attachmentId)
        .where('application_id', '=', request.params.id)
        .executeTakeFirst();
      if (file === undefined)
        throw new HubError('not_found', `Cannot find attachment ${request.params.attachmentId}`);
      await auditRequest(request, {
        event: 'application.attachment.read',
        action: 'read',
        outcome: 'success',
        objectType: 'application',
        objectId: request.params.id,
        details: { attachmentId: request.params.attachmentId },
      });
      const type = inlineMediaTypes.has(file.media_type) ? file.media_type : 'application/octet-stream';
      return reply
        .type(type)
        .header('content-security-policy', "sandbox; default-src 'none'")
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .send(Buffer.from(file.content));
    },
  );

  app.post(
    '/applications/:id/commands',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary: 'Act on an application (submit, return, review, decide, revoke, …)',
        params: IdParams,
        body: CommandBody,
        response: { 200: ApplicationView, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const id = request.params.id;
      const { app: current } = await visibleApplication(hub, principal, id);
      const command = await toCommand(hub, current, request.body);
      await commandForRequest(request, id, command, principal);
      return applicationView(hub, principal, id);
    },
  );

  app.get(
    '/access/queue',
    {
      preHandler: requireRole('access_body_handler', 'access_body_reviewer', 'access_body_decider'),
      schema: {
        tags,
        summary: "The access body's queue with clocks, most urgent first (keyset paging with `after`)",
        querystring: QueueQuery,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                ...ApplicationSummary.properties,
                reviewers: Type.Integer(),
                opinions: Type.Integer(),
              }),
            ),
            nextCursor: Nullable(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (request) =>
      accessQueue(
        hub.db,
        requirePrincipal(request),
        {
          state: request.query.state,
          dueKind: request.query.dueKind,
          overdue: request.query.overdue,
          after: request.query.after,
          pageSize: request.query.pageSize ?? 25,
        },
        hub.now(),
        cache,
      ),
  );

  app.get(
    '/notifications',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary: 'Your notifications (reminders, decisions, invitations), newest first',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Uuid,
                applicationId: Nullable(Uuid),
                kind: Type.String(),
                message: Type.String(),
                createdAt: Timestamp,
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const rows = await hub.db
        .selectFrom('access_notifications')
        .select(['id', 'application_id', 'kind', 'message', 'created_at'])
        .where('user_id', '=', requirePrincipal(request).userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(100)
        .execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          applicationId: r.application_id,
          kind: r.kind,
          message: r.message,
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    },
  );

  app.get(
    '/permits/:id',
    {
      preHandler: requireSignedIn,
      schema: {
        tags,
        summary:
          "A permit: its document, signed token and status (the holder's named users and the access body)",
        params: IdParams,
        response: {
          200: Type.Object({
            id: Uuid,
            applicationId: Uuid,
            kind: Type.String(),
            status: Type.Enum(['active', 'expired', 'revoked']),
            token: Type.String(),
            document: PermitDocument,
            validFrom: Timestamp,
            validUntil: Timestamp,
            revokedAt: Nullable(Timestamp),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const permit = await hub.db
        .selectFrom('permits')
        .selectAll()
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      const accessBody = principal.roles.some((role) => role.startsWith('access_body_'));
      if (permit === undefined || !(accessBody || permit.document.namedUsers.includes(principal.userId))) {
        throw new HubError('not_found', `Cannot find permit ${request.params.id}`);
      }
      return {
        id: permit.id,
        applicationId: permit.application_id,
        kind: permit.kind,
        status: permit.status,
        token: permit.token,
        document: permit.document,
        validFrom: new Date(permit.valid_from).toISOString(),
        validUntil: new Date(permit.valid_until).toISOString(),
        revokedAt: permit.revoked_at === null ? null : new Date(permit.revoked_at).toISOString(),
      };
    },
  );

  app.get(
    '/register',
    {
      schema: {
        tags,
        summary:
          'The public register: every application on receipt, decisions with reasons, permits, results',
        querystring: RegisterQuery,
        response: {
          200: Type.Object({
            applications: Type.Array(RegisterEntrySchema),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 25;
      const result = await publicRegister(
        hub.db,
        { q: request.query.q, state: request.query.state, page, pageSize },
        cache,
      );
      return { ...result, page, pageSize };
    },
  );

  app.get(
    '/register.csv',
    {
      schema: {
        tags,
        summary:
          'The public register as CSV (RFC 4180; cells that look like formulas are prefixed with an apostrophe)',
        querystring: StrictObject({ q: RegisterQuery.properties.q, state: RegisterQuery.properties.state }),
        response: { 200: Type.Unknown({ description: 'text/csv' }), 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const result = await publicRegister(hub.db, {
        q: request.query.q,
        state: request.query.state,
        page: 1,
        pageSize: null,
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="polder-register.csv"')
        .send(registerCsv(result.applications));
    },
  );

  app.post(
    '/webhooks',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'Register a webhook for workflow events; the answer holds its HMAC secret, shown once',
        body: WebhookBody,
        response: { 201: Type.Object({ ...Webhook.properties, secret: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const now = hub.now();
      const hook = {
        id: uuid7(now),
        url: request.body.url,
        event_types: [...new Set(request.body.eventTypes)],
        secret: randomBytes(32).toString('base64url'),
        created_by: principal.userId,
        created_at: now,
      };
      await hub.db.transaction().execute(async (trx) => {
        await trx.insertInto('access_webhooks').values(hook).execute();
        await auditRequest(
          request,
          {
            event: 'webhook.create',
            action: 'create',
            outcome: 'success',
            objectType: 'webhook',
            objectId: hook.id,
            details: { url: hook.url },
          },
          trx,
        );
      });
      return reply.code(201).send({
        id: hook.id,
        url: hook.url,
        eventTypes: hook.event_types,
        createdAt: now.toISOString(),
        secret: hook.secret,
      });
    },
  );

  app.get(
    '/webhooks',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'The webhooks (without secrets)',
        response: { 200: Type.Object({ items: Type.Array(Webhook) }), ...errors },
      },
    },
    async () => {
      const rows = await hub.db
        .selectFrom('access_webhooks')
        .select(['id', 'url', 'event_types', 'created_at'])
        .orderBy('created_at')
        .execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          url: r.url,
          eventTypes: r.event_types,
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'Remove a webhook',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const deleted = await hub.db.transaction().execute(async (trx) => {
        const result = await trx
          .deleteFrom('access_webhooks')
          .where('id', '=', request.params.id)
          .executeTakeFirst();
        if (result.numDeletedRows > 0n) {
          await auditRequest(
            request,
            {
              event: 'webhook.delete',
              action: 'delete',
              outcome: 'success',
              objectType: 'webhook',
              objectId: request.params.id,
            },
            trx,
          );
        }
        return result.numDeletedRows > 0n;
      });
      if (!deleted) throw new HubError('not_found', `Cannot find webhook ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );
};
