/** Serves the built web app at `/`, with index.html for client-side routes. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

/** Path prefixes that belong to the API and never fall back to the web app (`/v1`: the LLM gateway). */
const API_PREFIXES = ['/api/', '/v1', '/v2', '/health/', '/docs', '/metrics'];

export async function registerWebApp(app: FastifyInstance, ctx: AppContext): Promise<boolean> {
  const root = ctx.config.webDistDir;
  if (!existsSync(path.join(root, 'index.html'))) {
    ctx.logger.warn({ root }, 'web app not built (npm run build); serving the API only');
    return false;
  }
  await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'], maxAge: '1h' });
  return true;
}

/** True when a request for `url` should get the SPA's index.html instead of a 404. */
export function isWebAppRoute(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  // `//api/x` and `/API/x` are API paths no route matches: a JSON 404, not the web app's page.
  const pathname = (url.split('?')[0] ?? '/').replace(/\/{2,}/g, '/').toLowerCase();
  if (API_PREFIXES.some((p) => pathname === p.replace(/\/$/, '') || pathname.startsWith(p))) return false;
  return !path.extname(pathname);
}
