/**
 * Says which version answered a prediction in an `x-model-version` response header, so a client of a
 * split alias (90/10 canary) can tell. The body already names it (`version` in friendly predictions,
 * `model_version` in OIP), as resolved per request by the registry; the header repeats it.
 */
import type { FastifyInstance } from 'fastify';
import { addRouteHook } from './route-hooks.js';

/** The routes whose answers come from one resolved version. */
export const PREDICTION_ROUTES = new Set([
  '/api/models/:name/predict',
  '/v2/models/:name/infer',
  '/v2/models/:name/versions/:version/infer',
]);

// Both answers start with the model, then its version: {"model":"iris","version":2,… or
// {"model_name":"iris","model_version":"2",… (model names cannot contain quotes).
const VERSION_RE = /^\{"model(?:_name)?":"[^"]*","(?:model_)?version":"?(\d+)/;

/** The version named at the start of a prediction's JSON answer, or null. */
export function servedVersionOf(payload: string): string | null {
  return VERSION_RE.exec(payload.slice(0, 400))?.[1] ?? null;
}

export function registerServedVersion(app: FastifyInstance): void {
  addRouteHook(
    app,
    'onSend',
    (route) => PREDICTION_ROUTES.has(route.url),
    (_req, reply, payload, done) => {
      if (reply.statusCode === 200 && typeof payload === 'string') {
        const version = servedVersionOf(payload);
        if (version) reply.header('x-model-version', version);
      }
      done(null, payload);
    },
  );
}
