import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { WebSocket } from 'ws';
import type {} from '@fastify/websocket';
import { Type } from 'typebox';
import {
  SignedPermitRevocationList,
  SignedTaskOffer,
  SignedTaskResult,
  stationSessionHeader,
} from '@polder/protocol';
import { describeRoute } from '../accounts/principal.ts';
import { auditRequest } from '../audit/audit-request.ts';
import { HubError, isHubError } from '../hub-error.ts';
import { ErrorResponse, StrictObject, Uuid } from '../schema.ts';
import { stationOfSession, type StationRow } from '../stations/_station-records.ts';
import type { HubApp } from '../create-hub.ts';
import { traceHop } from './_hop-trace.ts';
import type { RunCoordinator } from './run-coordinator.ts';
import type { StationLink } from './station-link.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** The station a request authenticated as (set by the preHandler, read by the handler). */
const stationOfRequest = new WeakMap<FastifyRequest, StationRow>();

/** Station routes are for stations: a request with a user's session or API token is refused (403). */
const refuseUsers: preHandlerAsyncHookHandler = async (request) => {
  if (request.principal !== null || request.pendingSignIn !== null) {
    throw new HubError(
      'forbidden',
      `Cannot ${describeRoute(request)}: this route is for stations, not for user accounts`,
    );
  }
};

function stationOf(request: FastifyRequest): StationRow {
  const station = stationOfRequest.get(request);
  if (station === undefined) throw new Error('station route without its station preHandler');
  return station;
}

/**
 * The station side of the task protocol: the WebSocket link (offers and revocations pushed), the REST re-sync
 * of open tasks and revocations, and the result route. See docs/federation-protocol.md.
 */
export async function registerStationTaskRoutes(
  app: HubApp,
  deps: { readonly coordinator: RunCoordinator; readonly link: StationLink },
): Promise<void> {
  const { coordinator, link } = deps;
  const hub = app.hub;

  const requireStation: preHandlerAsyncHookHandler = async (request) => {
    traceHop('hub.station-request', { url: request.url });
    const header = request.headers[stationSessionHeader];
    const token = typeof header === 'string' ? header.trim() : '';
    const station = /^[A-Za-z0-9_-]{43}$/.test(token)
      ? await stationOfSession(hub.db, token, hub.now())
      : undefined;
    if (station === undefined) {
      throw new HubError(
        'unauthenticated',
        `Cannot ${describeRoute(request)}: send a live station session token in ${stationSessionHeader} (POST /api/station-auth/challenge)`,
      );
    }
    stationOfRequest.set(request, station);
  };
  const stationGuards = [refuseUsers, requireStation];
  const tokenHeader = `Needs a station session token in ${stationSessionHeader}; refused (403) with a user's credentials.`;

  (app as unknown as FastifyInstance).route({
    method: 'GET',
    url: '/station-link',
    preHandler: stationGuards,
    schema: {
      tags: ['station protocol'],
      summary: 'The station link: a WebSocket on which the hub pushes task offers and revocation lists',
      description: `${tokenHeader} Upgrade to a WebSocket. Hub → station text frames: {"type":"task","offer":SignedTaskOffer}, {"type":"revocations","list":SignedPermitRevocationList}, {"type":"ping"}; station → hub: {"type":"pong"} only. A plain HTTP request is answered 426.`,
      response: { 426: ErrorResponse, ...errors },
    },
    handler: async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .type('application/json; charset=utf-8')
        .send({
          error: {
            code: 'invalid_input',
            message: 'Cannot open the station link: it is a WebSocket; send Upgrade: websocket',
          },
        }),
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const station = stationOf(request);
      link.connect(station.id, socket);
      // Offers made between the station's REST re-sync and this socket opening would otherwise wait for the
      // next reconnect; task ids make the repeat harmless.
      void coordinator
        .offerOpenTasks(station.id)
        .catch((error: unknown) => request.log.error({ err: error }, 'cannot offer open tasks'));
    },
  });

  app.get(
    '/station-tasks',
    {
      preHandler: stationGuards,
      schema: {
        tags: ['station protocol'],
        summary: "Re-sync: the station's tasks without a final result, oldest first",
        description: `${tokenHeader} Tasks of runs that ended (failed, revoked) are left out.`,
        response: { 200: Type.Object({ tasks: Type.Array(SignedTaskOffer) }), ...errors },
      },
    },
    async (request) => ({ tasks: await coordinator.openTasksOf(stationOf(request).id) }),
  );

  app.get(
    '/station-permit-revocations',
    {
      preHandler: stationGuards,
      schema: {
        tags: ['station protocol'],
        summary: 'The hub-signed list of revoked permits',
        description: tokenHeader,
        response: { 200: SignedPermitRevocationList, ...errors },
      },
    },
    async () => coordinator.revocationList(),
  );

  app.post(
    '/station-tasks/:taskId/result',
    {
      preHandler: stationGuards,
      schema: {
        tags: ['station protocol'],
        summary: 'A station posts its signed result of a task',
        description: `${tokenHeader} Idempotent: the identical result again is 200; a different final result for a task that has one is 409; a task of another station is 404; a result not signed with the station's enrolled key is 401. A 'pending-approval' result marks the task as waiting for the steward.`,
        params: StrictObject({ taskId: Uuid }),
        body: SignedTaskResult,
        response: { 200: Type.Object({ accepted: Type.Literal(true) }), 409: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const station = stationOf(request);
      if (station.public_key === null) {
        throw new HubError('unauthenticated', 'Cannot accept the result: the station has no enrolled key');
      }
      try {
        await coordinator.acceptResult(
          { id: station.id, publicKey: station.public_key },
          request.params.taskId,
          request.body,
          { ip: request.ip },
        );
      } catch (error) {
        if (isHubError(error) && error.code === 'unauthenticated') {
          await auditRequest(request, {
            event: 'federation.task_result',
            action: 'execute',
            outcome: 'refused',
            objectType: 'task',
            objectId: request.params.taskId,
            client: `station ${station.id}`,
            details: { reason: 'bad-signature' },
          });
          request.refusalAudited = true;
        }
        throw error;
      }
      return { accepted: true as const };
    },
  );
}
