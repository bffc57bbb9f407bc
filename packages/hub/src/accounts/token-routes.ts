import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditRequest } from '../audit/audit-request.ts';
import { uuid7 } from '../db/uuid7.ts';
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
import { requirePrincipal, requireSignedIn } from './principal.ts';
import { hashToken, newApiToken } from './_tokens.ts';

const TokenView = Type.Object({
  id: Uuid,
  name: Type.String(),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** API tokens for scripts: create (shown once), list, revoke. Each user sees only their own. */
export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;

  app.post(
    '/tokens',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (the token is shown once; send it as Authorization: Bearer <token>)',
        description: 'Needs a signed-in session: an API token cannot create further tokens.',
        body: StrictObject({
          name: BoundedString(100, { description: 'What the token is for, e.g. "nightly export script"' }),
          expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
        }),
        response: { 201: Type.Intersect([TokenView, Type.Object({ token: Type.String() })]), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      if (principal.via !== 'session') {
        throw new HubError(
          'forbidden',
          'Cannot create an API token with an API token: sign in and create it there',
        );
      }
      const now = hub.now();
      const token = newApiToken();
      const days = request.body.expiresInDays;
      const row = await hub.db
        .insertInto('api_tokens')
        .values({
          id: uuid7(now),
          user_id: principal.userId,
          name: request.body.name,
          token_hash: hashToken(token),
          created_at: now,
          expires_at: days === undefined ? null : new Date(now.getTime() + days * 86_400_000),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await auditRequest(request, {
        event: 'token.create',
        action: 'create',
        outcome: 'success',
        objectType: 'api_token',
        objectId: row.id,
        details: { name: row.name },
      });
      return reply.code(201).send({ ...toView(row), token });
    },
  );

  app.get(
    '/tokens',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['tokens'],
        summary: 'Your API tokens',
        response: { 200: Type.Array(TokenView), ...errors },
      },
    },
    async (request) => {
      const rows = await hub.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', requirePrincipal(request).userId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toView);
    },
  );

  app.delete(
    '/tokens/:id',
    {
      preHandler: requireSignedIn,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke one of your API tokens',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const result = await hub.db
        .updateTable('api_tokens')
        .set({ revoked_at: hub.now() })
        .where('id', '=', request.params.id)
        .where('user_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        throw new HubError(
          'not_found',
          `Cannot revoke API token ${request.params.id}: you have no such active token`,
        );
      }
      await auditRequest(request, {
        event: 'token.revoke',
        action: 'delete',
        outcome: 'success',
        objectType: 'api_token',
        objectId: request.params.id,
      });
      return reply.code(204).send(null);
    },
  );
};

function toView(row: {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}) {
  const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
