/** Registry routes for one version: edit its metadata, archive and restore it, delete it. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { versionMetadataPatchSchema } from '../../contract/model-metadata-schemas.js';
import {
  deletedVersionSchema,
  errorSchema,
  modelNameParam,
  modelVersionSchema,
  versionParam,
} from '../../contract/schemas.js';
import { parseVersion } from '../../registry/names.js';
import { registryChange } from '../route-traits.js';

const params = z.object({ name: modelNameParam, version: versionParam });
const errors = { 400: errorSchema, 404: errorSchema, 409: errorSchema };

export function versionRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.patch(
      '/api/models/:name/versions/:version',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: "Edit a version's metadata (the artifact and its schema are immutable)",
          description:
            'Fields left out keep their value; `null` clears description, labels, featureNames, preprocessing. ' +
            'The result is checked against the model schema like a push.',
          params,
          body: versionMetadataPatchSchema,
          response: { 200: modelVersionSchema, ...errors },
        },
      },
      async (req) => ctx.registry.updateVersion(req.params.name, parseVersion(req.params.version), req.body),
    );

    app.post(
      '/api/models/:name/versions/:version/archive',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Archive a version: it stops serving, its artifact stays (409 while an alias uses it)',
          params,
          response: { 200: modelVersionSchema, ...errors },
        },
      },
      async (req) => ctx.registry.archiveVersion(req.params.name, parseVersion(req.params.version)),
    );

    app.post(
      '/api/models/:name/versions/:version/restore',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Restore an archived version so it serves again',
          params,
          response: { 200: modelVersionSchema, ...errors },
        },
      },
      async (req) => ctx.registry.restoreVersion(req.params.name, parseVersion(req.params.version)),
    );

    app.delete(
      '/api/models/:name/versions/:version',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary:
            'Delete a version (409 while an alias uses it); its artifact goes when no version shares it',
          params,
          response: { 200: deletedVersionSchema, ...errors },
        },
      },
      async (req) => {
        const version = parseVersion(req.params.version);
        const { artifactRemoved } = await ctx.registry.deleteVersion(req.params.name, version);
        return { model: req.params.name, version, deleted: true as const, artifactRemoved };
      },
    );
  };
}
