/**
 * Open Inference Protocol v2 (KServe / Triton REST). Errors use the protocol's `{"error": "..."}`;
 * "not ready" answers 503, like KServe, so Kubernetes probes read it right.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PUBLIC, read } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import {
  inferRequestSchema,
  inferResponseSchema,
  oipModelMetadataSchema as modelMetadataSchema,
  oipErrorSchema,
  oipLiveSchema,
  oipModelReadySchema,
  oipReadySchema,
  oipServerMetadataSchema,
} from '../../contract/oip-schemas.js';
import { modelNameParam } from '../../contract/schemas.js';
import { parseVersion } from '../../registry/names.js';
import type { VersionSelector } from '../../registry/registry-service.js';
import type { InferRequest } from '../../serving/inference-service.js';
import { encodeInferResponse } from '../../serving/oip-response.js';
import { SERVICE_VERSION } from '../../version.js';
import { notePredictionAnswer } from '../prediction-logging.js';
import { prediction, traits } from '../route-traits.js';
import { setServedVersion } from '../served-version.js';
import {
  cancelOnDisconnect,
  HEADER_LENGTH,
  registerInferBodyParser,
  servingErrorHandler,
} from './serving-support.js';

export const SERVER_NAME = 'modelgarden';
export const SERVER_VERSION = SERVICE_VERSION;
/** Protocol extensions this server implements, as `/v2` advertises them. */
export const OIP_EXTENSIONS = ['binary_tensor_data'];

const modelParams = z.object({ name: modelNameParam });
const versionParams = z.object({ name: modelNameParam, version: z.string().min(1).max(20) });

function selectorOf(params: { version?: string }): VersionSelector {
  return params.version === undefined ? {} : { version: parseVersion(params.version) };
}

/** The OIP model metadata and readiness routes: an api replica forwards them too. */
const OIP_MODEL = traits(read('predict'), 'inference-metadata', {
  errors: 'oip',
  model: 'existing',
  forward: true,
});

export function oipRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['open inference protocol v2'];
    app.setErrorHandler(servingErrorHandler);
    registerInferBodyParser(app, ctx.config.json);

    app.get(
      '/v2',
      {
        config: traits(read('predict'), 'inference-metadata', { errors: 'oip' }),
        schema: {
          tags,
          summary: 'Server metadata',
          response: { 200: oipServerMetadataSchema },
        },
      },
      async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: OIP_EXTENSIONS }),
    );

    app.get(
      '/v2/health/live',
      {
        config: traits(PUBLIC, 'probe', { errors: 'oip' }),
        schema: { tags, summary: 'Server live', response: { 200: oipLiveSchema } },
      },
      async () => ({ live: true }),
    );

    app.get(
      '/v2/health/ready',
      {
        config: traits(PUBLIC, 'probe', { errors: 'oip' }),
        schema: {
          tags,
          summary: 'Server ready',
          response: { 200: oipReadySchema, 503: oipReadySchema },
        },
      },
      async (_req, reply) => {
        const ready = ctx.startup.done && ctx.startup.failures.length === 0 && !ctx.startup.stopping;
        return reply.status(ready ? 200 : 503).send({ ready });
      },
    );

    const metadata = async (params: { name: string; version?: string }) => {
      const version = await ctx.registry.resolve(params.name, selectorOf(params));
      const detail = await ctx.registry.getModel(params.name);
      return {
        name: version.model,
        versions: detail.versions.map((v) => String(v.version)).reverse(),
        platform: 'onnx_onnxv1',
        inputs: version.inputs,
        outputs: version.outputs,
      };
    };
    const metadataSchema = (params: typeof modelParams | typeof versionParams) => ({
      tags,
      summary: 'Model metadata',
      params,
      response: { 200: modelMetadataSchema, 400: oipErrorSchema, 404: oipErrorSchema },
    });
    app.get('/v2/models/:name', { config: OIP_MODEL, schema: metadataSchema(modelParams) }, (req) =>
      metadata(req.params),
    );
    app.get(
      '/v2/models/:name/versions/:version',
      { config: OIP_MODEL, schema: metadataSchema(versionParams) },
      (req) => metadata(req.params),
    );

    const ready = async (params: { name: string; version?: string }) => {
      const version = await ctx.inference.ready(params.name, selectorOf(params));
      return { name: version.model, ready: true };
    };
    const readySchema = (params: typeof modelParams | typeof versionParams) => ({
      tags,
      summary: 'Model ready (loads the version if needed)',
      params,
      response: {
        200: oipModelReadySchema,
        404: oipErrorSchema,
        503: oipErrorSchema,
      },
    });
    app.get('/v2/models/:name/ready', { config: OIP_MODEL, schema: readySchema(modelParams) }, (req) =>
      ready(req.params),
    );
    app.get(
      '/v2/models/:name/versions/:version/ready',
      { config: OIP_MODEL, schema: readySchema(versionParams) },
      (req) => ready(req.params),
    );

    const infer = async (
      req: FastifyRequest & { params: { name: string }; body: InferRequest },
      reply: FastifyReply,
      selector: VersionSelector,
    ) => {
      const result = await ctx.inference.infer(req.params.name, selector, req.body, {
        binary: req.oipBinary ?? undefined,
        signal: cancelOnDisconnect(reply),
      });
      const encoded = encodeInferResponse(result, req.body);
      notePredictionAnswer(req, result);
      setServedVersion(reply, result.model_version);
      if (encoded.headerLength === undefined) return reply.type('application/json').send(encoded.body);
      return reply
        .type('application/octet-stream')
        .header(HEADER_LENGTH, String(encoded.headerLength))
        .send(encoded.body);
    };
    const inferDescription =
      'JSON tensors, or the binary tensor data extension: send `Inference-Header-Content-Length` with a ' +
      'JSON header followed by raw tensor bytes (inputs with `parameters.binary_data_size`); ask for binary ' +
      "outputs with `parameters.binary_data_output` or per output `parameters.binary_data`. Triton's " +
      "`parameters.timeout` (µs) sets the request's deadline.";

    app.post(
      '/v2/models/:name/infer',
      {
        config: prediction(read('predict'), 'oip', 'oip'),
        schema: {
          tags,
          summary: 'Inference (production alias, else the latest version)',
          description: inferDescription,
          params: modelParams,
          body: inferRequestSchema,
          response: {
            200: inferResponseSchema,
            400: oipErrorSchema,
            404: oipErrorSchema,
            429: oipErrorSchema,
            499: oipErrorSchema,
            503: oipErrorSchema,
            504: oipErrorSchema,
          },
        },
      },
      (req, reply) => infer(req, reply, {}),
    );
    app.post(
      '/v2/models/:name/versions/:version/infer',
      {
        config: prediction(read('predict'), 'oip', 'oip'),
        schema: {
          tags,
          summary: 'Inference on one version',
          description: inferDescription,
          params: versionParams,
          body: inferRequestSchema,
          response: {
            200: inferResponseSchema,
            400: oipErrorSchema,
            404: oipErrorSchema,
            429: oipErrorSchema,
            499: oipErrorSchema,
            503: oipErrorSchema,
            504: oipErrorSchema,
          },
        },
      },
      (req, reply) => infer(req, reply, { version: parseVersion(req.params.version) }),
    );
  };
}
