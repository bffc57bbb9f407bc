import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditRequest } from '../audit/audit-request.ts';
import { HubError } from '../hub-error.ts';
import { BoundedString, Email, ErrorResponse, IdParams, StrictObject, Timestamp, Uuid } from '../schema.ts';
import { createAccount, createOrganisation } from './accounts.ts';
import { requirePrincipal, requireRole } from './principal.ts';
import { roles } from './roles.ts';
import { loadUserView, loadUserViews, UserView } from './_users.ts';

const RoleSchema = Type.Enum(roles);
const RoleList = Type.Array(RoleSchema, { maxItems: roles.length, uniqueItems: true });
const OrganisationView = Type.Object({ id: Uuid, name: Type.String(), createdAt: Timestamp });
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
const Paging = StrictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

/** Administration of organisations and user accounts (admin only). */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;
  const adminOnly = requireRole('admin');

  app.post(
    '/organisations',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Create an organisation',
        body: StrictObject({ name: BoundedString(200) }),
        response: { 201: OrganisationView, ...errors },
      },
    },
    async (request, reply) => {
      const id = await createOrganisation(hub, request.body.name.trim());
      await auditRequest(request, {
        event: 'organisation.create',
        action: 'create',
        outcome: 'success',
        objectType: 'organisation',
        objectId: id,
        details: { name: request.body.name },
      });
      const row = await hub.db
        .selectFrom('organisations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return reply
        .code(201)
        .send({ id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() });
    },
  );

  app.get(
    '/organisations',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'All organisations',
        querystring: Paging,
        response: { 200: Type.Array(OrganisationView), ...errors },
      },
    },
    async (request) => {
      const rows = await hub.db
        .selectFrom('organisations')
        .selectAll()
        .orderBy('name')
        .limit(request.query.limit ?? 100)
        .offset(request.query.offset ?? 0)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        createdAt: new Date(row.created_at).toISOString(),
      }));
    },
  );

  app.post(
    '/users',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Create a user account',
        body: StrictObject({
          email: Email,
          name: BoundedString(200),
          organisationId: Uuid,
          roles: RoleList,
          password: BoundedString(1024, { minLength: 12, description: 'At least 12 characters' }),
          stationIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
        }),
        response: { 201: UserView, ...errors },
      },
    },
    async (request, reply) => {
      const { email, name, organisationId, password, stationIds } = request.body;
      const id = await createAccount(hub, {
        email,
        name,
        organisationId,
        password,
        roles: request.body.roles,
        ...(stationIds === undefined ? {} : { stationIds }),
      });
      await auditRequest(request, {
        event: 'user.create',
        action: 'create',
        outcome: 'success',
        objectType: 'user',
        objectId: id,
        details: { email: email.toLowerCase(), roles: request.body.roles, organisationId },
      });
      const view = await loadUserView(hub, id);
      if (view === undefined) throw new HubError('not_found', `Cannot find user ${id} just created`);
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/users',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'All user accounts',
        querystring: Paging,
        response: { 200: Type.Array(UserView), ...errors },
      },
    },
    async (request) =>
      loadUserViews(hub, { limit: request.query.limit ?? 100, offset: request.query.offset ?? 0 }),
  );

  app.patch(
    '/users/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: "Change a user's roles, stewarded stations, name or disabled flag",
        description:
          'Changing roles or disabling ends the user’s sessions, so the change takes effect at once.',
        params: IdParams,
        body: StrictObject({
          roles: Type.Optional(RoleList),
          stationIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
          name: Type.Optional(BoundedString(200)),
          disabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: UserView, ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const { id } = request.params;
      const change = request.body;
      const before = await loadUserView(hub, id);
      if (before === undefined) throw new HubError('not_found', `Cannot change user ${id}: no such user`);
      if (
        id === principal.userId &&
        (change.disabled === true || (change.roles && !change.roles.includes('admin')))
      ) {
        throw new HubError(
          'conflict',
          'Cannot change your own account this way: you would lose admin access; ask another admin',
        );
      }
      await hub.db.transaction().execute(async (trx) => {
        if (change.name !== undefined || change.disabled !== undefined) {
          await trx
            .updateTable('users')
            .set({
              ...(change.name === undefined ? {} : { name: change.name }),
              ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
              updated_at: hub.now(),
            })
            .where('id', '=', id)
            .execute();
        }
        if (change.roles !== undefined) {
          await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
          if (change.roles.length > 0) {
            await trx
              .insertInto('user_roles')
              .values(change.roles.map((role) => ({ user_id: id, role })))
              .execute();
          }
        }
        if (change.stationIds !== undefined) {
          await trx.deleteFrom('station_stewards').where('user_id', '=', id).execute();
          if (change.stationIds.length > 0) {
            await trx
              .insertInto('station_stewards')
              .values(change.stationIds.map((stationId) => ({ user_id: id, station_id: stationId })))
              .execute();
          }
        }
        if (change.roles !== undefined || change.disabled === true) {
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        }
        await auditRequest(
          request,
          {
            event: 'user.update',
            action: 'update',
            outcome: 'success',
            objectType: 'user',
            objectId: id,
            details: {
              before: { roles: before.roles, stationIds: before.stationIds, disabled: before.disabled },
              change,
            },
          },
          trx,
        );
      });
      const after = await loadUserView(hub, id);
      if (after === undefined) throw new HubError('not_found', `Cannot change user ${id}: no such user`);
      return after;
    },
  );
};
