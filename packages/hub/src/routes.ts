import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountRoutes } from './accounts/account-routes.ts';
import { sessionRoutes } from './accounts/session-routes.ts';
import { tokenRoutes } from './accounts/token-routes.ts';
import { stationRoutes } from './stations/station-routes.ts';
import { catalogueIriRoutes, catalogueRoutes } from './catalogue/catalogue-routes.ts';
import { accessRoutes } from './access/access-routes.ts';
import { federationRoutes } from './projects/federation-routes.ts';
import { webAppRoutes } from './web-app.ts';

/**
 * Every feature's routes, each a Fastify plugin in its own file, registered under `/api` in this order.
 * To add a feature: write `src/<feature>/<feature>-routes.ts` exporting a `FastifyPluginAsyncTypebox`,
 * import it above and add ONE line here; then add its rows to `authorization-matrix.ts`.
 */
export const routePlugins: readonly FastifyPluginAsyncTypebox[] = [
  sessionRoutes,
  tokenRoutes,
  accountRoutes,
  stationRoutes,
  catalogueRoutes,
  accessRoutes,
  federationRoutes,
];

/**
 * Routes outside `/api`: stable IRIs that harvesters and links resolve (`/catalogue`, `/datasets/:id`).
 * Add them here, like `routePlugins`, and to `authorization-matrix.ts`.
 */
export const rootRoutePlugins: readonly FastifyPluginAsyncTypebox[] = [catalogueIriRoutes, webAppRoutes];
