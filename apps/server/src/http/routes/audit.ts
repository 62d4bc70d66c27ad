/** The audit log for admins: every registry, user and key change, newest first, with filters. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { auditPageSchema, auditQuery } from '../../contract/auth-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { traits } from '../route-traits.js';

export function auditRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/audit',
      {
        config: traits(write('admin'), 'access'),
        schema: {
          tags: ['access'],
          summary:
            'Audit log: who changed what, when, from where (filters: actor, action, target prefix, time)',
          querystring: auditQuery,
          response: {
            200: auditPageSchema,
            400: errorSchema,
          },
        },
      },
      async (req) =>
        ctx.auth.audit.list({
          ...req.query,
          from: req.query.from ? new Date(req.query.from) : undefined,
          to: req.query.to ? new Date(req.query.to) : undefined,
        }),
    );
  };
}
