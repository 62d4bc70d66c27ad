/**
 * Feeds the prediction log from the prediction routes, after the answer is ready: only for models
 * with logging on, only for sampled requests, and without delaying the response (the entry goes to
 * an in-memory buffer; image statistics are computed after the reply).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import type { AppContext } from '../context.js';
import type { PredictionLogEntry } from '../observability/prediction-log.js';
import type { ModelVersion } from '../registry/types.js';
import { type FeatureRow, featureRowsOf } from '../serving/predict-service.js';
import { addRouteHook, routeOf } from './route-hooks.js';

const PREDICT_ROUTE = '/api/models/:name/predict';
const OIP_ROUTES = new Set(['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer']);

interface Prediction {
  label?: string;
  probability?: number;
  value?: number;
}

function featuresOf(row: FeatureRow, names: string[] | null): Record<string, number> | null {
  const entries = Array.isArray(row)
    ? row.map((v, i) => [names?.[i] ?? `x${i}`, v] as const)
    : Object.entries(row);
  const numeric = entries.filter((e): e is readonly [string, number] => typeof e[1] === 'number');
  return numeric.length ? Object.fromEntries(numeric) : null;
}

async function imageStats(base64: string, maxPixels: number): Promise<Record<string, number> | null> {
  try {
    const bytes = Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64');
    const img = sharp(bytes, { limitInputPixels: maxPixels });
    const [meta, stats] = await Promise.all([img.metadata(), img.stats()]);
    const channels = stats.channels.slice(0, 3);
    const avg = (f: (c: (typeof channels)[number]) => number) =>
      channels.reduce((a, c) => a + f(c), 0) / channels.length;
    return {
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      mean: avg((c) => c.mean),
      std: avg((c) => c.stdev),
    };
  } catch {
    return null;
  }
}

/** Entries for the friendly route: one per row or picture. */
async function fromPredict(
  req: FastifyRequest,
  body: { version: number; predictions: Prediction[] },
  version: ModelVersion,
  maxPixels: number,
) {
  const input = (req.body ?? {}) as { inputs?: FeatureRow | FeatureRow[]; image?: string; images?: string[] };
  const rows = input.inputs === undefined ? [] : featureRowsOf(input.inputs);
  const images = input.images ?? (input.image ? [input.image] : []);
  return Promise.all(
    body.predictions.map(async (p, i) => ({
      features: rows[i] ? featuresOf(rows[i]!, version.featureNames) : null,
      imageStats: images[i] ? await imageStats(images[i]!, maxPixels) : null,
      output: p.label !== undefined ? { label: p.label, probability: p.probability } : { value: p.value },
      label: p.label ?? null,
    })),
  );
}

/** Entries for OIP infer on a 2-D input: one per batch row, labelled when the version has labels. */
function fromOip(
  req: FastifyRequest,
  body: { outputs: Array<{ shape: number[]; data: number[] }> },
  version: ModelVersion,
) {
  const input = (req.body as { inputs?: Array<{ shape: number[]; data: unknown }> }).inputs?.[0];
  const out = body.outputs[0];
  const rows = out?.shape[0] ?? 0;
  const width = out && rows ? out.data.length / rows : 0;
  const flatIn = input ? (input.data as unknown[]).flat(32) : [];
  const inWidth = input && input.shape.length === 2 ? (input.shape[1] ?? 0) : 0;
  return Array.from({ length: rows }, (_, r) => {
    const scores = out!.data.slice(r * width, (r + 1) * width);
    const best = scores.indexOf(Math.max(...scores));
    const label = version.labels?.[best] ?? null;
    return {
      features: inWidth
        ? featuresOf(flatIn.slice(r * inWidth, (r + 1) * inWidth), version.featureNames)
        : null,
      imageStats: null,
      output: label !== null ? { label, probability: scores[best] } : { value: scores[0] },
      label,
    };
  });
}

export function registerPredictionLogging(app: FastifyInstance, ctx: AppContext): void {
  const logged = (url: string) => url === PREDICT_ROUTE || OIP_ROUTES.has(url);
  addRouteHook(
    app,
    'onSend',
    (route) => logged(route.url),
    // Callback style: it runs on every prediction, and an async hook costs a promise each.
    (
      req: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: null, payload: unknown) => void,
    ) => {
      const route = routeOf(req).url;
      if (reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
      const model = (req.params as { name?: string }).name;
      if (!model || !ctx.predictionLogs.shouldLog(model)) return done(null, payload);
      // Measured before the answer is written, as the client's latency up to here.
      const latencyMs = reply.elapsedTime;
      const requestId = req.id;
      done(null, payload);
      setImmediate(() => {
        void (async () => {
          const body = JSON.parse(payload);
          const versionNumber = route === PREDICT_ROUTE ? body.version : Number(body.model_version);
          // resolve() with an explicit version is served from the registry's cache: no query per request.
          const version = await ctx.registry.resolve(model, { version: versionNumber });
          const entries =
            route === PREDICT_ROUTE
              ? await fromPredict(req, body, version, ctx.config.maxImagePixels)
              : fromOip(req, body, version);
          for (const e of entries) {
            const entry: PredictionLogEntry = {
              model,
              version: versionNumber,
              requestId,
              protocol: route === PREDICT_ROUTE ? 'predict' : 'oip',
              latencyMs,
              ...e,
            };
            ctx.predictionLogs.record(entry);
          }
        })().catch((err) => req.log.warn({ err }, 'prediction logging failed'));
      });
    },
  );
}
