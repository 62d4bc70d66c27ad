/** Liveness and readiness probes for orchestrators. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PUBLIC } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { healthLiveSchema, healthReadySchema as readySchema } from '../../contract/health-schemas.js';
import { traits } from '../route-traits.js';

export function healthRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health/live',
      {
        config: traits(PUBLIC, 'probe'),
        schema: {
          tags: ['health'],
          summary: 'Liveness',
          response: { 200: healthLiveSchema },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/ready',
      {
        config: traits(PUBLIC, 'probe'),
        schema: {
          tags: ['health'],
          summary: 'Readiness: database reachable and every production version loaded',
          response: { 200: readySchema, 503: readySchema },
        },
      },
      async (_req, reply) => {
        let database = 'ok';
        try {
          await ctx.database.ping();
        } catch (err) {
          database = `error: ${err instanceof Error ? err.message : String(err)}`;
        }
        const models = ctx.startup.stopping
          ? 'stopping'
          : !ctx.startup.done
            ? 'loading'
            : ctx.startup.failures.length > 0
              ? `failed: ${ctx.startup.failures.map((f) => `${f.model}@${f.version}`).join(', ')}`
              : 'ok';
        const ready = database === 'ok' && models === 'ok';
        return reply
          .status(ready ? 200 : 503)
          .send({ status: ready ? 'ready' : 'not_ready', checks: { database, models } });
      },
    );
  };
}
