import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The access routes, under `/api`. */
export const accessRoutes: FastifyPluginAsyncTypebox = async () => {};
