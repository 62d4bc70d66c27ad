/** Registry routes for models: list (search, filter, paging), create, describe, edit; push versions (multipart). */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeOfAccess, read, viewerOf, write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import {
  createModelBodySchema,
  modelQuerySchema,
  updateModelBodySchema,
} from '../../contract/registry-schemas.js';
import {
  errorSchema,
  modelDetailSchema,
  modelListSchema,
  modelNameParam,
  modelVersionSchema,
  pushVersionFormSchema,
  versionParam,
} from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { parseReferenceCsv } from '../../observability/reference-csv.js';
import type { StagedArtifact } from '../../registry/artifact-store.js';
import { assertModelName, parseVersion } from '../../registry/names.js';
import { pushVersion } from '../../registry/push-version.js';
import { parseVersionMetadata } from '../../registry/version-metadata.js';
import { fingerprintUpload, sendReplay } from '../idempotency.js';
import { isMultipart, uploadFailure } from '../multipart-files.js';
import { registryChange, traits } from '../route-traits.js';

const MAX_METADATA_BYTES = 1024 * 1024;

/** Parses a reference CSV against the features the new version will have (given, or inherited). */
async function parseReferenceFor(ctx: AppContext, model: string, given: string[] | undefined, csv: string) {
  const featureNames = given ?? (await ctx.registry.latestVersion(model))?.featureNames;
  if (!featureNames) {
    throw new ModelGardenError(
      'INVALID_REFERENCE',
      'A reference dataset needs the version\'s featureNames in "metadata"',
    );
  }
  return parseReferenceCsv(csv, featureNames);
}

export function modelRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/models',
      {
        config: traits(read('models:read'), 'registry'),
        schema: {
          tags: ['registry'],
          summary: 'List models (search, filter by tag and task, paging)',
          querystring: modelQuerySchema,
          response: { 200: modelListSchema, 400: errorSchema },
        },
      },
      async (req) => ctx.registry.listModels({ ...req.query, viewer: viewerOf(req.principal) }),
    );

    app.post(
      '/api/models',
      {
        config: registryChange(write('models:write')),
        schema: {
          tags: ['registry'],
          summary: 'Create an empty model (versions come with pushes)',
          body: createModelBodySchema,
          response: { 201: modelDetailSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema },
        },
      },
      async (req, reply) => {
        // The model and its access in one insert: never visible to all before it is made private.
        const access = changeOfAccess(req.principal, null, req.body);
        return reply.status(201).send(await ctx.registry.createModel(req.body.name, { ...req.body, access }));
      },
    );

    app.patch(
      '/api/models/:name',
      {
        config: registryChange(write('models:write'), { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: "Edit a model's description and tags",
          params: z.object({ name: modelNameParam }),
          body: updateModelBodySchema,
          response: { 200: modelDetailSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        await ctx.auth.models.setAccess(req.principal, req.params.name, req.body);
        return ctx.registry.updateModel(req.params.name, req.body);
      },
    );

    app.get(
      '/api/models/:name',
      {
        config: traits(read('models:read'), 'registry', { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Describe a model with its versions and aliases',
          params: z.object({ name: modelNameParam }),
          response: { 200: modelDetailSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => ctx.registry.getModel(req.params.name),
    );

    app.get(
      '/api/models/:name/versions/:version',
      {
        config: traits(read('models:read'), 'registry', { model: 'existing' }),
        schema: {
          tags: ['registry'],
          summary: 'Describe one version',
          params: z.object({ name: modelNameParam, version: versionParam }),
          response: { 200: modelVersionSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => ctx.registry.getVersion(req.params.name, parseVersion(req.params.version)),
    );

    // The upload route alone reads multipart through @fastify/multipart, in a scope of its own: the
    // plugin adds hooks to every request of its scope (http/multipart-files.ts says why that matters).
    await app.register(async (scope) => {
      const upload = scope.withTypeProvider<ZodTypeProvider>();
      upload.removeContentTypeParser('multipart/form-data');
      await upload.register(fastifyMultipart, {
        limits: {
          fileSize: ctx.config.maxUploadBytes + 1,
          files: 64,
          fields: 20,
          fieldSize: 1024 * 1024,
          parts: 100,
        },
      });
      upload.post(
        '/api/models/:name/versions',
        {
          // Its Idempotency-Key fingerprint covers the file's sha256 and the fields (fingerprintUpload
          // below); a missing model is created by the push, a hidden one refused (as taken) below.
          config: traits(write('models:write'), 'registry', { model: 'push', idempotency: 'upload' }),
          schema: {
            tags: ['registry'],
            summary: 'Push a new version (multipart: file = the .onnx, metadata = JSON text)',
            description:
              'multipart/form-data with field `file` (the ONNX model) and optional field `metadata`, a JSON ' +
              'string `{description?, task?, labels?, featureNames?, preprocessing?, metrics?, tags?}`. ' +
              'The input/output schema is read from the ONNX graph. An optional `reference` field (CSV text or ' +
              "file: one column per feature, optional `label`) becomes the version's drift reference. " +
              'Answers 201 with the new version.',
            bodyContent: { 'multipart/form-data': pushVersionFormSchema },
            params: z.object({ name: modelNameParam }),
            response: {
              201: modelVersionSchema,
              400: errorSchema,
              413: errorSchema,
              415: errorSchema,
              422: errorSchema,
            },
          },
        },
        async (req, reply) => {
          assertModelName(req.params.name);
          if (!isMultipart(req)) {
            throw new ModelGardenError(
              'UNSUPPORTED_MEDIA_TYPE',
              'Send multipart/form-data with a "file" field',
            );
          }
          const declared = Number(req.headers['content-length']);
          if (Number.isFinite(declared) && declared > ctx.config.maxUploadBytes + MAX_METADATA_BYTES) {
            throw new ModelGardenError(
              'PAYLOAD_TOO_LARGE',
              `The upload is larger than MAX_UPLOAD_MB (${ctx.config.maxUploadBytes} bytes)`,
              { details: { maxBytes: ctx.config.maxUploadBytes } },
            );
          }
          let staged: StagedArtifact | undefined;
          let metadataText: string | undefined;
          let referenceCsv: string | undefined;
          try {
            // The parser's refusals (cut body, no closing boundary, no boundary) are the client's 400.
            try {
              for await (const part of req.parts()) {
                if (part.type === 'file' && part.fieldname === 'reference' && referenceCsv === undefined) {
                  referenceCsv = (await part.toBuffer()).toString('utf8');
                } else if (part.type === 'file') {
                  if (part.fieldname !== 'file' || staged) {
                    part.file.resume();
                    throw new ModelGardenError(
                      'BAD_REQUEST',
                      `Unexpected file field "${part.fieldname}"; send one "file"`,
                    );
                  }
                  staged = await ctx.store.stage(part.file, ctx.config.maxUploadBytes);
                } else if (part.fieldname === 'metadata') {
                  metadataText = String(part.value);
                } else if (part.fieldname === 'reference') {
                  referenceCsv = String(part.value);
                } else {
                  throw new ModelGardenError('BAD_REQUEST', `Unexpected field "${part.fieldname}"`);
                }
              }
            } catch (err) {
              throw uploadFailure(req, err);
            }
            // With an Idempotency-Key: a replay of the same upload gets the stored answer (its staged
            // copy discarded first), another upload under the same key is 422.
            const stored = await fingerprintUpload(req, {
              fields: { metadata: metadataText ?? null, reference: referenceCsv ?? null },
              fileSha256: staged?.sha256 ?? null,
            });
            if (stored) {
              if (staged) await ctx.store.discard(staged);
              staged = undefined;
              return sendReplay(reply, stored);
            }
            if (!staged) throw new ModelGardenError('MISSING_FILE', 'The multipart body has no "file" field');
            if (staged.sizeBytes === 0)
              throw new ModelGardenError('INVALID_MODEL_FILE', 'The uploaded file is empty');
            const meta = parseVersionMetadata(metadataText);
            // After the body's own checks, so a hidden model and a missing one answer bad input alike.
            await ctx.auth.models.checkPush(req.principal, req.params.name);
            // A reference dataset pushed with the version is checked before anything is stored.
            const reference =
              referenceCsv === undefined
                ? undefined
                : await parseReferenceFor(ctx, req.params.name, meta.featureNames, referenceCsv);
            const version = await pushVersion(ctx.registry, ctx.inspect, req.params.name, staged, meta);
            if (reference) await ctx.drift.setParsedReference(version.model, version.version, reference);
            req.log.info(
              { model: version.model, version: version.version, sha256: version.sha256 },
              'version pushed',
            );
            return reply.status(201).send(version);
          } finally {
            if (staged) await ctx.store.discard(staged);
          }
        },
      );
    });
  };
}
