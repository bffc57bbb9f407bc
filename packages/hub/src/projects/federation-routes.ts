import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HubApp } from '../create-hub.ts';
import { loadOrCreateHubSigningKey } from '../stations/_hub-signing-key.ts';
import { analyticsLibrary } from './_algorithm-library.ts';
import { registerProjectRoutes, startDataRequestRun } from './project-routes.ts';
import { RunCoordinator } from './run-coordinator.ts';
import { StationLink } from './station-link.ts';
import { registerStationTaskRoutes } from './station-task-routes.ts';

/**
 * The federation routes, under `/api`: projects and runs for researchers, the algorithm catalogue, and the
 * station side of the task protocol (the WebSocket link, re-sync, results). Owns the station link and the run
 * coordinator for the life of the app: it listens to access's `permit-revoked` and `data-request-approved`
 * events, resumes runs when the hub starts, and closes the sockets when it stops.
 */
export const federationRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const app = fastify as unknown as HubApp;
  const hub = app.hub;
  const log = (message: string, error?: unknown) => app.log.error({ err: error }, message);
  const hubKey = await loadOrCreateHubSigningKey(hub.db, { secret: hub.config.signingKeySecret });
  const link = new StationLink({
    log,
    stationsToDrop: async (stationIds) => {
      const enrolled = await hub.db
        .selectFrom('stations')
        .select('id')
        .where('id', 'in', stationIds)
        .where('status', '=', 'enrolled')
        .execute();
      const still = new Set(enrolled.map((row) => row.id));
      return stationIds.filter((id) => !still.has(id));
    },
  });
  const library = analyticsLibrary();
  const coordinator = new RunCoordinator({ hub, link, hubKey, library, log });

  const unsubscribe = [
    hub.events.on('permit-revoked', ({ permitId, revokedAt }) => {
      void coordinator
        .permitRevoked(permitId, revokedAt)
        .catch((error: unknown) => log(`cannot act on the revocation of permit ${permitId}`, error));
    }),
    hub.events.on('data-request-approved', (event) => {
      void startDataRequestRun(hub.db, coordinator, event, hub.now()).catch((error: unknown) =>
        log(`cannot start the run of data request ${event.applicationId}`, error),
      );
    }),
  ];

  await registerStationTaskRoutes(app, { coordinator, link });
  await registerProjectRoutes(app, { coordinator, library });

  app.addHook('onReady', async () => {
    // A round that completed while the hub was down is advanced now; pending tasks wait for re-sync.
    void coordinator.resume().catch((error: unknown) => log('cannot resume runs', error));
  });
  app.addHook('preClose', async () => {
    for (const stop of unsubscribe) stop();
    link.close();
  });
  app.addHook('onClose', async () => {
    await coordinator.close();
  });
};
