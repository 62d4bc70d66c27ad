/**
 * Feeds the prediction log from the prediction routes, after the answer is written: only for models
 * with logging on, only for sampled requests, and without delaying the response. The rows are built
 * from the answer the handler kept (`notePredictionAnswer`), synchronously, and handed to the log's
 * buffer (serialised there); only image statistics (sharp) are computed asynchronously.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { PredictionLogEntry } from '../observability/prediction-log.js';
import type { ModelVersion } from '../registry/types.js';
import { imageFormatOf } from '../serving/image-preprocess.js';
import type { InferResult } from '../serving/inference-service.js';
import { loadSharp } from '../serving/load-sharp.js';
import { type FeatureRow, featureRowsOf, type PredictResult } from '../serving/predict-service.js';
import { addRouteHook, routeOf } from './route-hooks.js';
import { traitsOfRoute } from './route-traits.js';

/** A row's numeric features by name; a named row whose values are all numbers is used as it is (no copy). */
function featuresOf(row: FeatureRow, names: string[] | null): Record<string, number> | null {
  if (!Array.isArray(row)) {
    let all = true;
    let any = false;
    for (const key in row) {
      if (typeof row[key] === 'number') any = true;
      else all = false;
    }
    if (all) return any ? (row as Record<string, number>) : null;
  }
  const entries = Array.isArray(row)
    ? row.map((v, i) => [names?.[i] ?? `x${i}`, v] as const)
    : Object.entries(row);
  const numeric = entries.filter((e): e is readonly [string, number] => typeof e[1] === 'number');
  return numeric.length ? Object.fromEntries(numeric) : null;
}

async function imageStats(base64: string, maxPixels: number): Promise<Record<string, number> | null> {
  try {
    const bytes = Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64');
    if (!imageFormatOf(bytes)) return null;
    const sharp = await loadSharp();
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

type Row = Pick<PredictionLogEntry, 'features' | 'imageStats' | 'output' | 'label'>;

/** Rows for the friendly route: one per row or picture (image statistics are added by imageRows). */
function fromPredict(req: FastifyRequest, result: PredictResult, version: ModelVersion): Row[] {
  const input = (req.body ?? {}) as { inputs?: FeatureRow | FeatureRow[] };
  const rows = input.inputs === undefined ? [] : featureRowsOf(input.inputs);
  return result.predictions.map((p, i) => {
    const row = rows[i];
    return {
      features: row ? featuresOf(row, version.featureNames) : null,
      imageStats: null,
      output: p.label !== undefined ? { label: p.label, probability: p.probability } : { value: p.value },
      label: p.label ?? null,
    };
  });
}

/** Rows for OIP infer on a 2-D input: one per batch row, labelled when the version has labels. */
function fromOip(req: FastifyRequest, result: InferResult, version: ModelVersion): Row[] {
  const input = (req.body as { inputs?: Array<{ shape: number[]; data?: unknown }> }).inputs?.[0];
  const out = result.outputs[0];
  if (!out || typeof out.data[0] === 'string') return [];
  const data = out.data as ArrayLike<number | bigint>;
  const rows = out.shape[0] ?? 0;
  const width = rows ? data.length / rows : 0;
  const flatIn = Array.isArray(input?.data) ? (input.data as unknown[]).flat(32) : [];
  const inWidth = input && input.shape.length === 2 && flatIn.length ? (input.shape[1] ?? 0) : 0;
  const entries: Row[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < width; k++) {
      const v = Number(data[r * width + k]);
      if (v > bestScore) {
        bestScore = v;
        best = k;
      }
    }
    const label = version.labels?.[best] ?? null;
    entries.push({
      features: inWidth
        ? featuresOf(flatIn.slice(r * inWidth, (r + 1) * inWidth) as FeatureRow, version.featureNames)
        : null,
      imageStats: null,
      output: label !== null ? { label, probability: bestScore } : { value: Number(data[r * width]) },
      label,
    });
  }
  return entries;
}

/** Adds each picture's statistics to its row (sharp, after the reply): the only asynchronous case. */
async function imageRows(req: FastifyRequest, rows: Row[], maxPixels: number): Promise<Row[]> {
  const input = (req.body ?? {}) as { image?: string; images?: string[] };
  const images = input.images ?? (input.image ? [input.image] : []);
  return Promise.all(
    rows.map(async (row, i) =>
      images[i] ? { ...row, imageStats: await imageStats(images[i]!, maxPixels) } : row,
    ),
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The answer a prediction handler sent, kept for the prediction log (null on other routes). */
    predictionAnswer: PredictResult | InferResult | null;
  }
}

/** Keeps a prediction handler's answer for the prediction log: rows are built from it, not re-parsed. */
export function notePredictionAnswer(req: FastifyRequest, answer: PredictResult | InferResult): void {
  req.predictionAnswer = answer;
}

export function registerPredictionLogging(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('predictionAnswer', null);
  const record = (req: FastifyRequest, model: string, version: number, latencyMs: number, rows: Row[]) => {
    // The route's declared trait (http/route-traits.ts): which protocol's answer this is.
    const protocol = routeOf(req).config?.traits?.predictionLog ?? 'oip';
    for (const row of rows) {
      ctx.predictionLogs.record({ model, version, requestId: req.id, protocol, latencyMs, ...row });
    }
  };
  const entries = (req: FastifyRequest, answer: PredictResult | InferResult, version: ModelVersion) =>
    'predictions' in answer ? fromPredict(req, answer, version) : fromOip(req, answer, version);
  addRouteHook(
    app,
    'onSend',
    (route) => traitsOfRoute(route)?.predictionLog != null,
    // Callback style with no promise on the common path: it runs on every prediction.
    (
      req: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: null, payload: unknown) => void,
    ) => {
      const answer = req.predictionAnswer;
      if (reply.statusCode !== 200 || answer === null) return done(null, payload);
      const model = (req.params as { name?: string }).name;
      if (!model || !ctx.predictionLogs.shouldLog(model)) return done(null, payload);
      // Measured before the answer is written, as the client's latency up to here.
      const latencyMs = reply.elapsedTime;
      done(null, payload);
      const versionNumber = 'predictions' in answer ? answer.version : Number(answer.model_version);
      const hasImages = 'predictions' in answer && (req.body as { inputs?: unknown })?.inputs === undefined;
      // An explicit version is served from the registry's cache; a miss (rare) waits for it.
      const version = ctx.registry.resolveCached(model, { version: versionNumber });
      if (version && !hasImages)
        return record(req, model, versionNumber, latencyMs, entries(req, answer, version));
      void (async () => {
        const v = version ?? (await ctx.registry.resolve(model, { version: versionNumber }));
        const rows = entries(req, answer, v);
        record(
          req,
          model,
          versionNumber,
          latencyMs,
          hasImages ? await imageRows(req, rows, ctx.config.maxImagePixels) : rows,
        );
      })().catch((err) => req.log.warn({ err }, 'prediction logging failed'));
    },
  );
}
