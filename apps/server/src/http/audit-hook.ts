/**
 * Writes an audit entry after every registry, user, key and session change (and every refused
 * login): who (user, key prefix or the admin key), what (method + route template, the target), when,
 * from where (IP, request id), and the status. Reads and predictions are not audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorName, viaOf } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { addRouteHook, routeMethods, routeOf } from './route-hooks.js';
import { type RouteTraits, traitsOfRoute } from './route-traits.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a route's `:name` names. */
function nameKind(template: string): string {
  if (template.startsWith('/api/users')) return 'user';
  if (template.startsWith('/api/llm/providers')) return 'llm-provider';
  if (template.startsWith('/api/llm/aliases')) return 'llm-alias';
  return 'model';
}

/** `model:iris@2/alias:production`, `user:bob`, `key:12`, `llm-provider:local`, `session`. */
export function targetOf(template: string, params: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof params.name === 'string') parts.push(`${nameKind(template)}:${params.name}`);
  if (typeof params.version === 'string') parts[0] = `${parts[0]}@${params.version}`;
  if (typeof params.alias === 'string') parts.push(`alias:${params.alias}`);
  if (params.id !== undefined) parts.push(`key:${String(params.id)}`);
  if (parts.length === 0) parts.push(template.replace(/^\/api\//, ''));
  return parts.join('/');
}

/** Whether a request of this method to a route with these traits is audited at all (whatever its status). */
function auditable(method: string, template: string, traits: RouteTraits | undefined): boolean {
  // LLM calls are like predictions: recorded in the LLM usage log, not audited (llm/usage-log.ts).
  if (!UNSAFE.has(method) || !traits || traits.kind === 'llm') return false;
  const rule = traits.policy;
  return template.startsWith('/api/session') || rule.access === 'write' || rule.access === 'signed-in';
}

function audited(req: FastifyRequest, status: number): boolean {
  const route = routeOf(req);
  const template = route.url;
  if (!template || !auditable(req.method, template, route.config?.traits)) return false;
  if (template.startsWith('/api/session')) return status < 500;
  return status < 400 || status === 403;
}

export function registerAudit(app: FastifyInstance, ctx: AppContext): void {
  addRouteHook(
    app,
    'onResponse',
    // Only on routes with something to audit: predictions are POSTs, and an async hook costs each a
    // promise (docs/performance.md).
    (route) => routeMethods(route).some((m) => auditable(m, route.url, traitsOfRoute(route))),
    async (req, reply) => {
      if (!audited(req, reply.statusCode)) return;
      const template = routeOf(req).url as string;
      const params = (req.params ?? {}) as Record<string, unknown>;
      const body = req.body as Record<string, unknown> | undefined;
      const details: Record<string, unknown> = {};
      // The login name only: bodies may hold passwords and keys.
      if (template === '/api/session' && req.method === 'POST' && typeof body?.name === 'string')
        details.name = body.name;
      if (req.method === 'POST' && template === '/api/models' && typeof body?.name === 'string')
        details.model = body.name;
      if (template === '/api/keys' && Array.isArray(body?.scopes)) details.scopes = body.scopes;
      ctx.auth.audit
        .record({
          actor:
            actorName(req.principal) ??
            (typeof details.name === 'string' && reply.statusCode < 400 ? details.name : null),
          via: viaOf(req.principal),
          action: `${req.method} ${template}`,
          target: targetOf(template, params),
          status: reply.statusCode,
          ip: req.ip,
          requestId: req.id,
          details: Object.keys(details).length > 0 ? details : null,
        })
        .catch((err) => req.log.warn({ err }, 'audit entry not written'));
    },
  );
}
