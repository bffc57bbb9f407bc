import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { existsSync, statSync } from 'node:fs';
import { join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build --workspace @polder/web` (run by the root `postinstall`) puts the web app. */
const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The web app's pages may load only the app's own files; Plot and React set inline styles. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The build's file for a URL path ('/assets/index-abc.js' → 'assets/index-abc.js'), or undefined. Looks on
 * disk each time (a stat), so a rebuild while the hub runs is served at once; never leaves the build folder.
 */
function findBuiltFile(dir: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const file = normalize(decoded).replace(/^[/\\]+/, '');
  if (file === '' || file === 'index.html' || file.endsWith('.map') || file.includes('\0')) return undefined;
  const absolute = join(dir, file);
  if (relative(dir, absolute).startsWith('..')) return undefined;
  try {
    return statSync(absolute).isFile() ? file.split(sep).join('/') : undefined;
  } catch {
    return undefined;
  }
}

const isBuilt = (dir: string) => existsSync(join(dir, 'index.html'));

/**
 * Whether the request asks for a page: `text/html` is acceptable and no more wanted than the JSON or RDF
 * the same URL also serves (a browser's navigation does; `Accept: text/turtle` or `application/ld+json` does not).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let html = 0;
  let data = 0;
  for (const part of accept.split(',').slice(0, 30)) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (range === 'text/html' || range === 'application/xhtml+xml') html = Math.max(html, q);
    else if (range === 'application/json' || range === 'application/ld+json' || range === 'text/turtle')
      data = Math.max(data, q);
  }
  return html > 0 && html >= data;
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Polder hub — web app not built</title></head>
<body><main><h1>The web app is not built</h1>
<p>This hub serves its API at <a href="/api/docs">/api/docs</a>, but the web app's files are missing
(packages/web/dist). <code>npm install</code> builds them, or run
<code>npm run build --workspace @polder/web</code>; then reload this page.</p></main></body></html>
`;

/**
 * Serves the web app (the Vite build of `@polder/web`) at `/`: its files as they are, and `index.html` for
 * every other GET outside `/api` that asks for a page — so `/datasets/:id` opens the dataset page in a
 * browser while harvesters asking for JSON-LD or Turtle still get RDF from the catalogue's route. Adds no
 * route (a hook), so the API's routes, the authorisation matrix and its 404s are as before. Without a
 * build, a page request gets a 503 that says how to build it.
 */
export const webAppRoutes: FastifyPluginAsyncTypebox = fastifyPlugin(
  async (app) => {
    if (!isBuilt(webDistDir)) {
      app.log.warn(`web app not built (${webDistDir} has no index.html): pages answer 503 until it is`);
    }
    await app.register(fastifyStatic, { root: webDistDir, serve: false, suppressWarning: true });

    const sendPage = (reply: FastifyReply) => {
      reply.header('content-security-policy', contentSecurityPolicy).header('vary', 'Accept');
      if (!isBuilt(webDistDir)) {
        return reply.code(503).type('text/html; charset=utf-8').send(notBuiltPage);
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    };

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = request.url.split('?', 1)[0] ?? '/';
      if (path === '/api' || path.startsWith('/api/')) return;
      const file = findBuiltFile(webDistDir, path);
      if (file !== undefined) {
        const hashed = file.startsWith('assets/');
        return reply.sendFile(file, { immutable: hashed, maxAge: hashed ? '365d' : '1h' });
      }
      if (path === '/' || path === '/index.html' || prefersHtml(request.headers.accept))
        return sendPage(reply);
    });
  },
  { name: 'polder-web-app' },
);
