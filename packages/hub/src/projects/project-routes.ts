import { PassThrough } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { Type, type Static } from 'typebox';
import { AlgorithmRef } from '@polder/protocol';
import { requirePrincipal, requireRole, requireSignedIn, type Principal } from '../accounts/principal.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { auditRequest } from '../audit/audit-request.ts';
import type { HubApp } from '../create-hub.ts';
import type { Database } from '../db/database.ts';
import { uuid7 } from '../db/uuid7.ts';
import { HubError } from '../hub-error.ts';
import { BoundedString, Email, ErrorResponse, Nullable, StrictObject, Timestamp, Uuid } from '../schema.ts';
import type { AlgorithmLibrary } from './_algorithm-library.ts';
import {
  checkCohortDefinition,
  checkVariableDefinitions,
  describeProblems,
  type DefinitionCheck,
} from './_cohort-check.ts';
import { traceHop } from './_hop-trace.ts';
import { findPermit } from './_permits.ts';
import { resultToCsv } from './_result-export.ts';
import { RunSummaryView, RunView, runSummaryOf, runViewOf } from './_run-views.ts';
import type { RunCoordinator, RunRow, StartRun } from './run-coordinator.ts';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

const ProjectParams = StrictObject({ id: Uuid });
const RunParams = StrictObject({ id: Uuid, runId: Uuid });
const DefinitionParams = StrictObject({ id: Uuid, definitionId: Uuid });
const MemberParams = StrictObject({ id: Uuid, userId: Uuid });

const MemberView = Type.Object({
  userId: Uuid,
  name: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
  addedAt: Timestamp,
});

const ProjectView = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  ownerId: Uuid,
  permitId: Nullable(Uuid),
  /** The caller's role in the project. */
  role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const DefinitionKind = Type.Union([Type.Literal('cohort'), Type.Literal('variables')]);
const DefinitionBody = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 100 });

const DefinitionView = Type.Object({
  id: Uuid,
  version: Type.Integer(),
  kind: DefinitionKind,
  name: Type.String(),
  definition: Type.Unknown(),
  createdBy: Nullable(Uuid),
  createdAt: Timestamp,
});

const DefinitionRef = StrictObject({
  definitionId: Uuid,
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});

const RunRequest = StrictObject({
  algorithm: AlgorithmRef,
  parameters: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 100 }),
  /** A saved cohort definition (latest version unless one is named), or a definition given inline. */
  cohort: Type.Union([DefinitionRef, StrictObject({ definition: DefinitionBody })]),
  /** A saved set of variable definitions, merged into the cohort's variables (they win on a name clash). */
  variables: Type.Optional(DefinitionRef),
});

const RunAccepted = Type.Object({ id: Uuid, status: Type.Literal('running'), url: Type.String() });

const AlgorithmView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  title: Type.String(),
  description: Type.String(),
  parameters: Type.Unknown({ description: 'JSON Schema of the parameters (drives the analysis form)' }),
  outputKinds: Type.Array(Type.String()),
  rounds: Type.Union([Type.Literal('single'), Type.Literal('iterative')]),
});

type ProjectRow = {
  id: string;
  title: string;
  description: string;
  owner_id: string;
  permit_id: string | null;
  created_at: Date;
  updated_at: Date;
};

function projectViewOf(row: ProjectRow, role: 'owner' | 'member') {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    ownerId: row.owner_id,
    permitId: row.permit_id,
    role,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/**
 * The project the principal is a member of, with their role; anyone else gets 404 as if it did not exist.
 * With `owner`, members who are not the owner get 403.
 */
async function requireMembership(
  db: Kysely<Database>,
  principal: Principal,
  projectId: string,
  options: { readonly owner?: boolean; readonly what?: string } = {},
): Promise<{ project: ProjectRow; role: 'owner' | 'member' }> {
  const row = await db
    .selectFrom('projects')
    .innerJoin('project_members', 'project_members.project_id', 'projects.id')
    .selectAll('projects')
    .select('project_members.role')
    .where('projects.id', '=', projectId)
    .where('project_members.user_id', '=', principal.userId)
    .executeTakeFirst();
  if (row === undefined) throw new HubError('not_found', `Cannot find project ${projectId}`);
  const { role, ...project } = row;
  if (options.owner === true && role !== 'owner') {
    throw new HubError(
      'forbidden',
      `Cannot ${options.what ?? 'change the project'}: only the project's owner may do that`,
    );
  }
  return { project, role };
}

async function requireRun(db: Kysely<Database>, projectId: string, runId: string): Promise<RunRow> {
  const run = await db
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', runId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  if (run === undefined) throw new HubError('not_found', `Cannot find run ${runId} in project ${projectId}`);
  return run;
}

function definitionViewOf(row: {
  id: string;
  version: number;
  kind: 'cohort' | 'variables';
  name: string;
  definition: unknown;
  created_by: string | null;
  created_at: Date;
}) {
  return {
    id: row.id,
    version: row.version,
    kind: row.kind,
    name: row.name,
    definition: row.definition,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function checkDefinition(kind: 'cohort' | 'variables', definition: unknown, what: string): unknown {
  const check: DefinitionCheck =
    kind === 'cohort' ? checkCohortDefinition(definition) : checkVariableDefinitions(definition);
  if (!check.ok) throw new HubError('invalid_input', `Cannot ${what}: ${describeProblems(check.errors)}`);
  return check.definition;
}

async function findDefinition(
  db: Kysely<Database>,
  projectId: string,
  ref: Static<typeof DefinitionRef>,
  kind: 'cohort' | 'variables',
) {
  let query = db
    .selectFrom('project_definitions')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', ref.definitionId)
    .where('kind', '=', kind);
  query =
    ref.version === undefined
      ? query.orderBy('version', 'desc').limit(1)
      : query.where('version', '=', ref.version);
  const row = await query.executeTakeFirst();
  if (row === undefined) {
    throw new HubError(
      'invalid_input',
      `Cannot start run: project ${projectId} has no ${kind} definition ${ref.definitionId}${ref.version === undefined ? '' : ` version ${ref.version}`}`,
    );
  }
  return row;
}

/**
 * Projects (researchers; only members see a project): members, versioned cohort and variable definitions,
 * runs with live progress (Server-Sent Events), re-runs and exports; and the algorithm catalogue.
 */
export async function registerProjectRoutes(
  app: HubApp,
  deps: { readonly coordinator: RunCoordinator; readonly library: AlgorithmLibrary },
): Promise<void> {
  const { coordinator, library } = deps;
  const hub = app.hub;
  const db = hub.db;
  const researcher = requireRole('researcher');

  app.get(
    '/algorithms',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['projects'],
        summary: 'The algorithm catalogue: names, versions and parameter JSON Schemas',
        response: { 200: Type.Array(AlgorithmView), ...errors },
      },
    },
    async () =>
      library.listAlgorithms().map((info) => ({
        name: info.name,
        version: info.version,
        title: info.title,
        description: info.description,
        parameters: info.parameters,
        outputKinds: [...info.outputKinds],
        rounds: info.rounds,
      })),
  );

  app.post(
    '/projects',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Create a project (you become its owner)',
        body: StrictObject({
          title: BoundedString(300),
          description: Type.Optional(Type.String({ maxLength: 10_000 })),
          permitId: Type.Optional(Uuid),
        }),
        response: { 201: ProjectView, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const permitId = request.body.permitId ?? null;
      if (permitId !== null) await checkPermitForProject(permitId, principal, 'create project');
      const now = hub.now();
      const id = uuid7(now);
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('projects')
          .values({
            id,
            title: request.body.title.trim(),
            description: request.body.description ?? '',
            owner_id: principal.userId,
            permit_id: permitId,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('project_members')
          .values({
            project_id: id,
            user_id: principal.userId,
            role: 'owner',
            added_by: principal.userId,
            added_at: now,
          })
          .execute();
        await auditRequest(
          request,
          {
            event: 'project.create',
            action: 'create',
            outcome: 'success',
            objectType: 'project',
            objectId: id,
            details: { permitId },
          },
          trx,
        );
        return inserted;
      });
      return reply.code(201).send(projectViewOf(row, 'owner'));
    },
  );

  /** A project's permit must exist and name the user who attaches it. */
  async function checkPermitForProject(permitId: string, principal: Principal, what: string): Promise<void> {
    const permit = await findPermit(db, permitId);
    if (permit === undefined)
      throw new HubError('invalid_input', `Cannot ${what}: there is no permit ${permitId}`);
    if (!permit.document.namedUsers.includes(principal.userId)) {
      throw new HubError('forbidden', `Cannot ${what}: you are not a named user of permit ${permitId}`);
    }
  }

  app.get(
    '/projects',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Your projects',
        response: { 200: Type.Array(ProjectView), ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const rows = await db
        .selectFrom('projects')
        .innerJoin('project_members', 'project_members.project_id', 'projects.id')
        .selectAll('projects')
        .select('project_members.role')
        .where('project_members.user_id', '=', principal.userId)
        .orderBy('projects.created_at', 'desc')
        .orderBy('projects.id')
        .limit(1000)
        .execute();
      return rows.map(({ role, ...row }) => projectViewOf(row, role));
    },
  );

  app.get(
    '/projects/:id',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'A project (members only)',
        params: ProjectParams,
        response: { 200: ProjectView, ...errors },
      },
    },
    async (request) => {
      const { project, role } = await requireMembership(db, requirePrincipal(request), request.params.id);
      return projectViewOf(project, role);
    },
  );

  app.patch(
    '/projects/:id',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "Change a project's title, description or permit (owner only)",
        params: ProjectParams,
        body: StrictObject({
          title: Type.Optional(BoundedString(300)),
          description: Type.Optional(Type.String({ maxLength: 10_000 })),
          permitId: Type.Optional(Nullable(Uuid)),
        }),
        response: { 200: ProjectView, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const what = 'change the project';
      await requireMembership(db, principal, request.params.id, { owner: true, what });
      const { title, description, permitId } = request.body;
      if (permitId !== undefined && permitId !== null) await checkPermitForProject(permitId, principal, what);
      const row = await db
        .updateTable('projects')
        .set({
          ...(title === undefined ? {} : { title: title.trim() }),
          ...(description === undefined ? {} : { description }),
          ...(permitId === undefined ? {} : { permit_id: permitId }),
          updated_at: hub.now(),
        })
        .where('id', '=', request.params.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await auditRequest(request, {
        event: 'project.update',
        action: 'update',
        outcome: 'success',
        objectType: 'project',
        objectId: row.id,
        details: { fields: Object.keys(request.body) },
      });
      return projectViewOf(row, 'owner');
    },
  );

  app.get(
    '/projects/:id/members',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A project's members",
        params: ProjectParams,
        response: { 200: Type.Array(MemberView), ...errors },
      },
    },
    async (request) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const rows = await db
        .selectFrom('project_members')
        .innerJoin('users', 'users.id', 'project_members.user_id')
        .select(['users.id', 'users.name', 'users.email', 'project_members.role', 'project_members.added_at'])
        .where('project_members.project_id', '=', request.params.id)
        .orderBy('project_members.added_at')
        .orderBy('users.id')
        .execute();
      return rows.map((row) => ({
        userId: row.id,
        name: row.name,
        email: row.email,
        role: row.role,
        addedAt: new Date(row.added_at).toISOString(),
      }));
    },
  );

  app.post(
    '/projects/:id/members',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Add a researcher to a project, by e-mail address (owner only)',
        params: ProjectParams,
        body: StrictObject({ email: Email }),
        response: { 201: MemberView, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const what = 'add member';
      await requireMembership(db, principal, request.params.id, { owner: true, what });
      const email = request.body.email.trim().toLowerCase();
      const user = await db
        .selectFrom('users')
        .select(['id', 'name', 'email', 'disabled'])
        .where('email', '=', email)
        .executeTakeFirst();
      const isResearcher =
        user !== undefined &&
        (await db
          .selectFrom('user_roles')
          .select('role')
          .where('user_id', '=', user.id)
          .where('role', '=', 'researcher')
          .executeTakeFirst()) !== undefined;
      if (user === undefined || user.disabled || !isResearcher) {
        throw new HubError('invalid_input', `Cannot ${what}: no active researcher has the address ${email}`);
      }
      const now = hub.now();
      const added = await db
        .insertInto('project_members')
        .values({
          project_id: request.params.id,
          user_id: user.id,
          role: 'member',
          added_by: principal.userId,
          added_at: now,
        })
        .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
        .returning('added_at')
        .executeTakeFirst();
      if (added === undefined) throw new HubError('conflict', `Cannot ${what}: ${email} is a member already`);
      await auditRequest(request, {
        event: 'project.member_add',
        action: 'update',
        outcome: 'success',
        objectType: 'project',
        objectId: request.params.id,
        details: { userId: user.id },
      });
      return reply.code(201).send({
        userId: user.id,
        name: user.name,
        email: user.email,
        role: 'member' as const,
        addedAt: now.toISOString(),
      });
    },
  );

  app.delete(
    '/projects/:id/members/:userId',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Remove a member from a project (owner only; the owner stays)',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const what = 'remove member';
      const { project } = await requireMembership(db, principal, request.params.id, { owner: true, what });
      if (request.params.userId === project.owner_id) {
        throw new HubError('conflict', `Cannot ${what}: the owner stays a member of the project`);
      }
      const removed = await db
        .deleteFrom('project_members')
        .where('project_id', '=', project.id)
        .where('user_id', '=', request.params.userId)
        .returning('user_id')
        .executeTakeFirst();
      if (removed === undefined) {
        throw new HubError('not_found', `Cannot ${what}: ${request.params.userId} is not a member`);
      }
      await auditRequest(request, {
        event: 'project.member_remove',
        action: 'update',
        outcome: 'success',
        objectType: 'project',
        objectId: project.id,
        details: { userId: request.params.userId },
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/projects/:id/definitions',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A project's cohort and variable definitions (latest version of each)",
        params: ProjectParams,
        response: { 200: Type.Array(DefinitionView), ...errors },
      },
    },
    async (request) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const rows = await db
        .selectFrom('project_definitions')
        .selectAll()
        .distinctOn('id')
        .where('project_id', '=', request.params.id)
        .orderBy('id')
        .orderBy('version', 'desc')
        .limit(1000)
        .execute();
      return rows.map(definitionViewOf);
    },
  );

  app.post(
    '/projects/:id/definitions',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Save a cohort definition or a set of variable definitions (version 1)',
        params: ProjectParams,
        body: StrictObject({ kind: DefinitionKind, name: BoundedString(200), definition: DefinitionBody }),
        response: { 201: DefinitionView, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await requireMembership(db, principal, request.params.id);
      const what = `save ${request.body.kind} definition`;
      const definition = checkDefinition(request.body.kind, request.body.definition, what);
      const now = hub.now();
      const row = await db
        .insertInto('project_definitions')
        .values({
          id: uuid7(now),
          version: 1,
          project_id: request.params.id,
          kind: request.body.kind,
          name: request.body.name.trim(),
          definition: JSON.stringify(definition),
          created_by: principal.userId,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return reply.code(201).send(definitionViewOf(row));
    },
  );

  app.put(
    '/projects/:id/definitions/:definitionId',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'Save a new version of a definition (earlier versions stay, and runs keep theirs)',
        params: DefinitionParams,
        body: StrictObject({ name: Type.Optional(BoundedString(200)), definition: DefinitionBody }),
        response: { 200: DefinitionView, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      await requireMembership(db, principal, request.params.id);
      const latest = await db
        .selectFrom('project_definitions')
        .selectAll()
        .where('project_id', '=', request.params.id)
        .where('id', '=', request.params.definitionId)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest === undefined) {
        throw new HubError('not_found', `Cannot find definition ${request.params.definitionId}`);
      }
      const definition = checkDefinition(
        latest.kind,
        request.body.definition,
        `save ${latest.kind} definition`,
      );
      try {
        const row = await db
          .insertInto('project_definitions')
          .values({
            id: latest.id,
            version: latest.version + 1,
            project_id: latest.project_id,
            kind: latest.kind,
            name: request.body.name?.trim() ?? latest.name,
            definition: JSON.stringify(definition),
            created_by: principal.userId,
            created_at: hub.now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return definitionViewOf(row);
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') {
          throw new HubError(
            'conflict',
            'Cannot save definition: another version was saved at the same time; reload and try again',
          );
        }
        throw error;
      }
    },
  );

  app.get(
    '/projects/:id/definitions/:definitionId',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'A definition: its latest version, or the one named, and the list of versions',
        params: DefinitionParams,
        querystring: StrictObject({
          version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        }),
        response: {
          200: Type.Object({ ...DefinitionView.properties, versions: Type.Array(Type.Integer()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const rows = await db
        .selectFrom('project_definitions')
        .selectAll()
        .where('project_id', '=', request.params.id)
        .where('id', '=', request.params.definitionId)
        .orderBy('version', 'desc')
        .execute();
      const wanted = request.query.version;
      const row = wanted === undefined ? rows[0] : rows.find((candidate) => candidate.version === wanted);
      if (row === undefined) {
        throw new HubError(
          'not_found',
          `Cannot find definition ${request.params.definitionId}${wanted === undefined ? '' : ` version ${wanted}`}`,
        );
      }
      return { ...definitionViewOf(row), versions: rows.map((candidate) => candidate.version) };
    },
  );

  app.get(
    '/projects/:id/runs',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A project's runs, newest first",
        params: ProjectParams,
        response: { 200: Type.Array(RunSummaryView), ...errors },
      },
    },
    async (request) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const rows = await db
        .selectFrom('runs')
        .selectAll()
        .where('project_id', '=', request.params.id)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
      return rows.map(runSummaryOf);
    },
  );

  app.post(
    '/projects/:id/runs',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "Run an analysis at the stations of the project's permit",
        description:
          'Checks the permit (active, valid, names you, allows the algorithm), the parameters against the algorithm and the cohort, then offers a task to each station; answers 202 at once. Follow progress at GET …/runs/:runId (or its /events stream).',
        params: ProjectParams,
        body: RunRequest,
        response: { 202: RunAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { project } = await requireMembership(db, principal, request.params.id);
      const body = request.body;
      let cohort: unknown;
      let cohortSource: unknown;
      if ('definitionId' in body.cohort) {
        const row = await findDefinition(db, project.id, body.cohort, 'cohort');
        cohort = row.definition;
        cohortSource = { definitionId: row.id, version: row.version };
      } else {
        cohort = checkDefinition('cohort', body.cohort.definition, 'start run');
        cohortSource = { inline: true };
      }
      if (body.variables !== undefined) {
        const row = await findDefinition(db, project.id, body.variables, 'variables');
        const own = (cohort as { variables?: Record<string, unknown> }).variables ?? {};
        cohort = { ...(cohort as object), variables: { ...own, ...(row.definition as object) } };
        cohortSource = {
          ...(cohortSource as object),
          variables: { definitionId: row.id, version: row.version },
        };
      }
      const run = await startProjectRun(project, principal, {
        algorithm: body.algorithm,
        parameters: body.parameters,
        cohort,
        cohortSource,
      });
      return reply.code(202).send(accepted(run));
    },
  );

  function accepted(run: RunRow) {
    return {
      id: run.id,
      status: 'running' as const,
      url: `/api/projects/${run.project_id}/runs/${run.id}`,
    };
  }

  async function startProjectRun(
    project: ProjectRow,
    principal: Principal,
    analysis: {
      algorithm: Static<typeof AlgorithmRef>;
      parameters: unknown;
      cohort: unknown;
      cohortSource: unknown;
      rerunOf?: string;
    },
  ): Promise<RunRow> {
    if (project.permit_id === null) {
      throw new HubError(
        'conflict',
        'Cannot start run: the project has no permit; its owner sets one (PATCH /api/projects/:id)',
      );
    }
    const run = await coordinator.startRun({
      projectId: project.id,
      permitId: project.permit_id,
      requestedBy: { userId: principal.userId, name: principal.name },
      ...analysis,
    });
    await recordRunAudit(run, principal);
    return run;
  }

  async function recordRunAudit(run: RunRow, principal: Principal): Promise<void> {
    await recordAudit(db, {
      event: 'project.run',
      action: 'execute',
      outcome: 'success',
      actor: { id: principal.userId, name: principal.email },
      onBehalfOf: run.project_id,
      objectType: 'run',
      objectId: run.id,
      now: hub.now(),
      details: {
        permitId: run.permit_id,
        algorithm: `${run.algorithm_name}@${run.algorithm_version}`,
        stations: run.station_ids,
        rerunOf: run.rerun_of,
      },
    });
  }

  app.get(
    '/projects/:id/runs/:runId',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: 'A run: status, progress per station, result or error',
        params: RunParams,
        response: { 200: RunView, ...errors },
      },
    },
    async (request) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      return runViewOf(db, await requireRun(db, request.params.id, request.params.runId));
    },
  );

  app.get(
    '/projects/:id/runs/:runId/events',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A run's progress as Server-Sent Events",
        description:
          "text/event-stream: an event 'run' with the run (as GET …/runs/:runId) at once and at every change; the stream ends when the run has completed or failed.",
        params: RunParams,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errors },
      },
    },
    async (request, reply) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const first = await requireRun(db, request.params.id, request.params.runId);
      const runId = first.id;
      const stream = new PassThrough();
      let ended = false;
      let queue = Promise.resolve();
      // A reload queued and not yet started reads the newest state when it runs: a burst of changes (three
      // stations answering at once, a round advanced) costs one reload, not one each, and none of them
      // queue up in the database ahead of the round's own work.
      let reloadQueued = false;
      const stationNames = new Map<string, string>();
      const end = () => {
        if (ended) return;
        ended = true;
        coordinator.changes.off('run', onChange);
        clearInterval(timer);
        stream.end();
      };
      const push = (run?: RunRow) => {
        if (run === undefined) {
          if (reloadQueued) return;
          reloadQueued = true;
        }
        queue = queue
          .then(async () => {
            if (run === undefined) reloadQueued = false;
            if (ended) return;
            const current = run ?? (await requireRun(db, request.params.id, runId));
            stream.write(
              `event: run\ndata: ${JSON.stringify(await runViewOf(db, current, stationNames))}\n\n`,
            );
            traceHop('hub.progress-sent', { runId, status: current.status, round: current.round });
            if (current.status !== 'running') end();
          })
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'cannot send run progress');
            end();
          });
      };
      const onChange = (changed: string) => {
        if (changed === runId) push();
      };
      coordinator.changes.on('run', onChange);
      // A comment keeps proxies from closing an idle stream; the reload catches changes made by another hub process.
      let beats = 0;
      const timer = setInterval(() => {
        beats += 1;
        if (beats % 3 === 0) stream.write(': keep-alive\n\n');
        push();
      }, 5000);
      timer.unref();
      reply.raw.on('close', end);
      push(first);
      return reply
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .type('text/event-stream; charset=utf-8')
        .send(stream as never);
    },
  );

  app.post(
    '/projects/:id/runs/:runId/rerun',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary:
          "Run an analysis again: the same algorithm, parameters and cohort snapshot, under the project's permit",
        params: RunParams,
        response: { 202: RunAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { project } = await requireMembership(db, principal, request.params.id);
      const previous = await requireRun(db, project.id, request.params.runId);
      const run = await startProjectRun(project, principal, {
        algorithm: { name: previous.algorithm_name, version: previous.algorithm_version },
        parameters: previous.parameters,
        cohort: previous.cohort,
        cohortSource: previous.cohort_source,
        rerunOf: previous.id,
      });
      return reply.code(202).send(accepted(run));
    },
  );

  async function completedRun(projectId: string, runId: string, format: string) {
    const run = await requireRun(db, projectId, runId);
    if (run.status !== 'completed') {
      throw new HubError(
        'conflict',
        `Cannot export run ${runId} as ${format}: it is ${run.status}, and only a completed run has a result`,
      );
    }
    return run;
  }

  app.get(
    '/projects/:id/runs/:runId/result.json',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A completed run's result as a JSON file, with what it was computed from",
        params: RunParams,
        response: { 200: Type.Unknown(), ...errors },
      },
    },
    async (request, reply) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const run = await completedRun(request.params.id, request.params.runId, 'JSON');
      const view = await runViewOf(db, run);
      const document = {
        run: {
          id: run.id,
          projectId: run.project_id,
          permitId: run.permit_id,
          algorithm: view.algorithm,
          parameters: run.parameters,
          cohort: run.cohort,
          rounds: run.round + 1,
          createdAt: view.createdAt,
          finishedAt: view.finishedAt,
        },
        stations: view.stations.map((station) => ({
          stationId: station.stationId,
          stationName: station.stationName,
          disclosure: station.disclosure,
        })),
        result: run.result,
      };
      return reply
        .header('content-disposition', `attachment; filename="run-${run.id}.json"`)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(document, null, 2));
    },
  );

  app.get(
    '/projects/:id/runs/:runId/result.csv',
    {
      preHandler: researcher,
      schema: {
        tags: ['projects'],
        summary: "A completed run's result as CSV (path,value: one row per value, by JSON pointer)",
        params: RunParams,
        produces: ['text/csv'],
        response: { 200: Type.String(), ...errors },
      },
    },
    async (request, reply) => {
      await requireMembership(db, requirePrincipal(request), request.params.id);
      const run = await completedRun(request.params.id, request.params.runId, 'CSV');
      return reply
        .header('content-disposition', `attachment; filename="run-${run.id}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(resultToCsv(run.result));
    },
  );
}

/** Starts a data request's analysis (EHDS Art. 69) in a project of its own, owned by the applicant. */
export async function startDataRequestRun(
  db: Kysely<Database>,
  coordinator: RunCoordinator,
  event: { readonly applicationId: string; readonly permitId: string },
  now: Date,
): Promise<RunRow | undefined> {
  const application = (
    await sql<{ applicant_id: string; applicant_name: string; title: string; form: unknown }>`
      select applicant_id, applicant_name, title, form from applications where id = ${event.applicationId}`.execute(
      db,
    )
  ).rows[0];
  if (application === undefined) return undefined;
  const form = (typeof application.form === 'string' ? JSON.parse(application.form) : application.form) as {
    analysis?: { cohort?: unknown; algorithm?: { name: string; version: string }; parameters?: unknown };
  };
  const analysis = form.analysis;
  if (analysis?.algorithm === undefined) {
    throw new HubError(
      'invalid_input',
      `Cannot start the data request's run: application ${event.applicationId} states no analysis`,
    );
  }
  const existing = await db
    .selectFrom('projects')
    .select('id')
    .where('permit_id', '=', event.permitId)
    .executeTakeFirst();
  if (existing !== undefined) return undefined;
  const projectId = uuid7(now);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('projects')
      .values({
        id: projectId,
        title: `Data request: ${application.title}`.slice(0, 300),
        description:
          'Made by the hub when the data request was approved; its run computes the requested statistics.',
        owner_id: application.applicant_id,
        permit_id: event.permitId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('project_members')
      .values({
        project_id: projectId,
        user_id: application.applicant_id,
        role: 'owner',
        added_by: null,
        added_at: now,
      })
      .execute();
  });
  const start: StartRun = {
    projectId,
    permitId: event.permitId,
    requestedBy: { userId: application.applicant_id, name: application.applicant_name },
    algorithm: analysis.algorithm,
    parameters: analysis.parameters ?? {},
    cohort: analysis.cohort ?? {},
    cohortSource: { dataRequest: event.applicationId },
    requireNamedUser: false,
  };
  try {
    const cohort = checkCohortDefinition(start.cohort);
    if (!cohort.ok) {
      throw new HubError('invalid_input', `Cannot start run: the cohort ${describeProblems(cohort.errors)}`);
    }
    return await coordinator.startRun(start);
  } catch (error) {
    // Nobody waits on this request: the refusal is kept as a failed run, where the applicant sees it.
    if (error instanceof HubError) return coordinator.recordRefusedStart(start, error);
    throw error;
  }
}
