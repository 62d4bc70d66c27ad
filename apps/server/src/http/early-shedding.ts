/**
 * Early load shedding: while a model is refusing requests for load, a prediction for it is refused
 * (429 QUEUE_FULL + Retry-After) from its headers alone, before its body is read, parsed and decoded —
 * under overload most requests are refusals, and each then costs the event loop a fraction of an
 * admitted one. The scheduler still decides for every request that gets through (its own check is
 * exact: rows and the request's own deadline); this one assumes one row and the `?timeoutMs=` query
 * or the model's deadline. Idle unless some scheduler refused a request in the last second; its own
 * refusals count like the scheduler's (the `queue_full` outcome), which also keeps it active.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { parseVersion } from '../registry/names.js';
import type { VersionSelector } from '../registry/registry-service.js';
import { addRouteHook } from './route-hooks.js';
import { traitsOfRoute } from './route-traits.js';

function selectorOf(req: FastifyRequest): VersionSelector {
  const params = req.params as { version?: string };
  if (params.version !== undefined) return { version: parseVersion(params.version) };
  const query = req.query as { version?: string; alias?: string };
  if (typeof query.version === 'string') return { version: parseVersion(query.version) };
  if (typeof query.alias === 'string') return { alias: query.alias };
  return {};
}

async function refusal(ctx: AppContext, req: FastifyRequest): Promise<ModelGardenError | undefined> {
  const name = (req.params as { name?: string }).name;
  if (!name) return undefined;
  const version = await ctx.registry.resolve(name, selectorOf(req));
  const scheduler = ctx.models.peek(version.model, version.version)?.scheduler;
  const raw = Number((req.query as { timeoutMs?: string }).timeoutMs);
  const timeoutMs = Number.isFinite(raw) && raw > 0 ? raw : undefined;
  if (!scheduler?.refuseEarly(1, timeoutMs)) return undefined;
  return new ModelGardenError('QUEUE_FULL', `Model "${name}" is overloaded; retry later`, {
    details: { retryAfterSeconds: 1 },
  });
}

export function registerEarlyShedding(app: FastifyInstance, ctx: AppContext): void {
  addRouteHook(
    app,
    'onRequest',
    (route) => traitsOfRoute(route)?.earlyShedding === true,
    (req, _reply, done) => {
      if (!ctx.models.shedRecently()) return done();
      // Any failure here (unknown model, bad version) is left for the route to answer properly.
      refusal(ctx, req).then(
        (err) => done(err),
        () => done(),
      );
    },
  );
}
