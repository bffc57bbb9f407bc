import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build -w @polder/web` puts the station console (`station.html` and its `assets/`). Found
 * on disk at run time: the station does not depend on the web package, it only serves what was built.
 */
export const defaultConsoleDir = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** The console's page: it may load only its own scripts and styles, and talk only to this server. */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const contentTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Whether the console was built into `dir`. */
export function isConsoleBuilt(dir: string): boolean {
  return existsSync(join(dir, 'station.html'));
}

/** The console's page (`station.html`), or undefined when it is not built. Read each time: a rebuild shows at once. */
export async function readConsolePage(dir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, 'station.html'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A built asset for a URL path under `/assets/` ('/assets/station-abc.js'), with its content type; undefined
 * for anything else (source maps, paths that leave the folder, unknown kinds).
 */
export async function readConsoleAsset(
  dir: string,
  urlPath: string,
): Promise<{ readonly body: Buffer; readonly type: string } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const assets = join(dir, 'assets');
  const absolute = join(dir, normalize(decoded).replace(/^[/\\]+/, ''));
  const inside = relative(assets, absolute);
  if (inside === '' || inside.startsWith('..')) return undefined;
  const type = contentTypes[extname(absolute)];
  if (type === undefined) return undefined;
  try {
    if (!statSync(absolute).isFile()) return undefined;
    return { body: await readFile(absolute), type };
  } catch {
    return undefined;
  }
}

/** What a steward sees when the console's files are missing. */
export const consoleNotBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Station console — not built</title></head>
<body><main><h1>The station console is not built</h1>
<p>This station serves its steward API under <code>/api</code> (see <a href="/api/openapi.json">/api/openapi.json</a>),
but the console's files are missing. Run <code>npm run build --workspace @polder/web</code> and reload this page.</p>
</main></body></html>
`;
