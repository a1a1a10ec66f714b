import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { httpError } from './json-api.js';

/** `packages/web/dist`, seen from this file in `src/http/` and in `dist/http/` alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The pages' own code only: no inline or foreign scripts, so a message that smuggles markup into
 * the page cannot run. 'unsafe-eval' because protobufjs (inside the client bundle) compiles its
 * encoders with `Function`. Sockets and navigation may go to another host when `--public-url`
 * names one.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss: http: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const MISSING_BUILD = `<!doctype html><meta charset="utf-8"><title>Parley</title>
<h1>Parley is running, but its web pages are not built</h1>
<p>Run <code>npm run build</code> in the repository (or <code>npm start</code>, which builds first), then reload.</p>
<p>The Server API, navigation and the WebSocket gateway work without them.</p>
`;

export interface StaticPagesOptions {
  /** The Vite build output: `index.html`, `console/index.html`, `assets/`. */
  root: string;
}

/**
 * The built web pages: the demo chat at `/`, the console at `/console`, their hashed assets at
 * `/assets/`. Only these prefixes are routed here, so the API routes are never shadowed, and only
 * files inside the build folder are ever read.
 */
export async function staticPagesPlugin(pages: FastifyInstance, { root }: StaticPagesOptions): Promise<void> {
  const base = resolve(root);

  const page = (file: string) => async (_request: unknown, reply: FastifyReply) => {
    const body = await readInside(base, file);
    if (body === undefined) {
      if (file === 'index.html') return htmlHeaders(reply).code(503).send(MISSING_BUILD);
      throw httpError(404, `no such page: ${file} is missing from the web build (run npm run build)`);
    }
    return htmlHeaders(reply).send(body);
  };
  pages.get('/', page('index.html'));
  pages.get('/console', page('console/index.html'));
  pages.get('/console/', page('console/index.html'));

  for (const prefix of ['assets', 'console']) {
    pages.get(`/${prefix}/*`, async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      const body = await readInside(base, `${prefix}/${rest}`);
      if (body === undefined) throw httpError(404, `no such file: /${prefix}/${rest.slice(0, 200)}`);
      const type = CONTENT_TYPES[extname(rest).toLowerCase()] ?? 'application/octet-stream';
      reply.header('content-type', type).header('x-content-type-options', 'nosniff');
      // Vite puts a content hash in every asset name: a changed file is a new URL.
      if (prefix === 'assets') reply.header('cache-control', 'public, max-age=31536000, immutable');
      if (type.startsWith('text/html')) htmlHeaders(reply);
      return reply.send(body);
    });
  }
}

function htmlHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'content-security-policy': PAGE_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

/**
 * A regular file at `relative` under `base`, or undefined. Paths with `.`/`..` segments, empty
 * segments, backslashes, NUL or hidden files are refused before the disk is touched, and the
 * resolved path must still lie inside `base`.
 */
async function readInside(base: string, relative: string): Promise<Buffer | undefined> {
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return undefined;
  const path = resolve(base, ...segments);
  if (!path.startsWith(base + sep)) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return readFile(path);
}
