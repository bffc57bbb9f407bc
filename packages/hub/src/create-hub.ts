import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifySchema,
  type RouteOptions,
  type FastifyBaseLogger,
  type FastifyInstance,
  type HTTPMethods,
  type RawServerDefault,
} from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { authenticate, guardedRoles } from './accounts/principal.ts';
import { installErrorHandling } from './_edge.ts';
import type { Database } from './db/database.ts';
import { migrateToLatest } from './db/migrations.ts';
import { openDatabase } from './db/open-database.ts';
import type { HubConfig } from './hub-config.ts';
import type { HubContext, PasswordHashing } from './hub-context.ts';
import { HubEvents } from './hub-events.ts';
import { rootRoutePlugins, routePlugins } from './routes.ts';
import { hubValidatorCompiler } from './validator-compiler.ts';

/** The hub's Fastify instance, typed with the TypeBox type provider. */
export type HubApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A route the hub serves, as registered (for the authorisation matrix and the fuzz test). */
export interface RegisteredRoute {
  readonly method: HTTPMethods;
  /** The path pattern, e.g. '/api/users/:id'. */
  readonly url: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** A running hub: call `app.listen()` to serve it, `close()` when done. */
export interface Hub {
  readonly app: HubApp;
  readonly db: Kysely<Database>;
  readonly config: HubConfig;
  readonly context: HubContext;
  /** Every route registered, in order (HEAD twins of GET routes left out). */
  readonly routes: readonly RegisteredRoute[];
  /** Closes the server and the database. */
  close(): Promise<void>;
}

/** Options for {@link createHub} that are not configuration (tests and tools). */
export interface CreateHubOptions {
  /** Use this database instead of opening one from the configuration (it is migrated; the hub closes it). */
  readonly db?: Kysely<Database>;
  /** The clock. @default () => new Date() */
  readonly now?: () => Date;
  /** argon2id cost for new passwords. @default argon2's (64 MiB, 3 passes, 4 lanes) */
  readonly passwordHashing?: PasswordHashing;
}

/**
 * Builds the hub: opens and migrates its database, then sets up Fastify with TypeBox validation, cookies,
 * authentication, OpenAPI (`/api/openapi.json`, docs at `/api/docs`), the error edge and every route plugin
 * of `routes.ts` under `/api`. Does not listen; the caller decides.
 *
 * @example
 * const hub = await createHub(readHubConfig(process.env));
 * await hub.app.listen({ port: hub.config.port, host: hub.config.host });
 */
export async function createHub(config: HubConfig, options: CreateHubOptions = {}): Promise<Hub> {
  const db = options.db ?? openDatabase(config);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const context: HubContext = {
    config,
    db,
    now: options.now ?? (() => new Date()),
    passwordHashing: options.passwordHashing ?? {},
    events: new HubEvents((error) => app.log.error({ err: error }, 'a hub event listener failed')),
  };
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // A longer URL parameter answers 414 before any handler runs.
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const routes: RegisteredRoute[] = [];
  try {
    await configureApp(app, context, routes);
  } catch (error) {
    await app.close();
    await db.destroy();
    throw error;
  }
  return {
    app,
    db,
    config,
    context,
    routes,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}

async function configureApp(app: HubApp, context: HubContext, routes: RegisteredRoute[]): Promise<void> {
  app.setValidatorCompiler(hubValidatorCompiler);
  // Browsers may send text/plain across sites without a preflight: accept JSON only.
  app.removeContentTypeParser('text/plain');
  app.decorate('hub', context);
  app.decorateRequest('principal', null);
  app.decorateRequest('pendingSignIn', null);
  app.decorateRequest('sessionTokenHash', null);
  app.decorateRequest('refusalAudited', false);
  app.addHook('onRoute', (route) => {
    documentGuard(route);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, schema: (route.schema ?? {}) as Record<string, unknown> });
    }
  });
  installErrorHandling(app);
  await app.register(cookie, { secret: context.config.cookieSecret });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Polder hub API',
        version: '0.1.0',
        description:
          'Catalogue, access procedure, projects and federation of the Polder health-data platform. ' +
          'Errors are answered as { "error": { "code", "message" } }.',
      },
      servers: [{ url: context.config.publicBaseUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'polder_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  // The station link (GET /api/station-link); stations send only {"type":"pong"}, so frames stay small.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onRequest', async (request, reply) => authenticate(context, request, reply));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    // What a signed-in user sees must not linger in shared caches or the browser's back-forward history.
    const personal = request.principal !== null || request.sessionTokenHash !== null;
    if (personal && reply.getHeader('cache-control') === undefined) reply.header('cache-control', 'no-store');
  });
  await app.register(
    async (api) => {
      api.get(
        '/openapi.json',
        { schema: { hide: true } },
        async () => app.swagger() as unknown as Record<string, unknown>,
      );
      for (const plugin of routePlugins) await api.register(plugin);
    },
    { prefix: '/api' },
  );
  for (const plugin of rootRoutePlugins) await app.register(plugin);
  await app.ready();
}

/** States in the OpenAPI document who may call a route guarded by `requireRole`. */
function documentGuard(route: RouteOptions): void {
  const roles = guardedRoles(route.preHandler);
  if (roles === undefined) return;
  const schema = (route.schema ?? {}) as FastifySchema & { security?: unknown; description?: string };
  const who = roles.length === 0 ? 'any signed-in user' : `roles: ${roles.join(', ')}`;
  route.schema = {
    ...schema,
    security: [{ session: [] }, { bearer: [] }],
    description:
      schema.description === undefined ? `Requires ${who}.` : `${schema.description}\n\nRequires ${who}.`,
  };
}
