/** Reading and editing a version's serving config (batching, queue, deadline, instances, threads). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { read, write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { errorSchema, modelNameParam, versionParam } from '../../contract/schemas.js';
import {
  servingConfigSchema,
  servingConfigViewSchema as viewSchema,
} from '../../contract/serving-config-schemas.js';
import { parseVersion } from '../../registry/names.js';
import { registryChange, traits } from '../route-traits.js';

export function servingConfigRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const params = z.object({ name: modelNameParam, version: versionParam });
    const tags = ['registry'];
    const response = { 200: viewSchema, 400: errorSchema, 404: errorSchema };

    app.get(
      '/api/models/:name/versions/:version/serving-config',
      {
        config: traits(read('models:read'), 'registry', { model: 'existing' }),
        schema: { tags, summary: "A version's serving config and the settings in effect", params, response },
      },
      (req) => ctx.servingConfig.get(req.params.name, parseVersion(req.params.version)),
    );

    app.put(
      '/api/models/:name/versions/:version/serving-config',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags,
          summary: "Replace a version's serving config",
          description:
            'Unset fields take the engine defaults. Queue and batching settings apply at once; `instances` ' +
            'and thread counts load new sessions, switch to them and drain the old ones, without failing a request.',
          params,
          body: servingConfigSchema,
          response,
        },
      },
      (req) => ctx.servingConfig.set(req.params.name, parseVersion(req.params.version), req.body),
    );
  };
}
