import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The federation routes, under `/api`. */
export const federationRoutes: FastifyPluginAsyncTypebox = async () => {};
