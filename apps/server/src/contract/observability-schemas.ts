/**
 * The observability routes' shapes: prediction-log settings and pages, reference datasets, drift
 * reports, and the live metrics summary behind the web app's charts.
 */
import { z } from 'zod';

export const predictionLogSettingsSchema = z
  .object({
    enabled: z.boolean(),
    sampleRate: z.number().min(0).max(1),
    retentionDays: z.number().int().min(1).max(3650),
  })
  .meta({ id: 'PredictionLogSettings' });

export const predictionFilterQuery = z.object({
  version: z.coerce.number().int().positive().optional(),
  label: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const loggedPredictionSchema = z
  .object({
    id: z.number(),
    model: z.string(),
    version: z.number(),
    requestId: z.string(),
    protocol: z.string(),
    latencyMs: z.number(),
    features: z.record(z.string(), z.number()).nullable(),
    imageStats: z.record(z.string(), z.number()).nullable(),
    output: z.object({
      label: z.string().optional(),
      probability: z.number().optional(),
      value: z.number().optional(),
    }),
    label: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'LoggedPrediction' });

export const referenceDatasetSchema = z
  .object({
    model: z.string(),
    version: z.number(),
    source: z.string(),
    rows: z.number(),
    features: z.array(z.string()),
    createdAt: z.string(),
  })
  .meta({ id: 'ReferenceDataset' });

const histogramSchema = z.object({
  edges: z.array(z.number()),
  reference: z.array(z.number()),
  live: z.array(z.number()),
});
export const driftReportSchema = z
  .object({
    model: z.string(),
    version: z.number(),
    referenceVersion: z.number(),
    referenceSource: z.string(),
    window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    referenceRows: z.number(),
    liveRows: z.number(),
    features: z.array(
      z.object({
        feature: z.string(),
        psi: z.number(),
        ksStatistic: z.number(),
        ksPValue: z.number(),
        drifted: z.boolean(),
        histogram: histogramSchema,
        referenceMean: z.number(),
        liveMean: z.number(),
      }),
    ),
    driftedShare: z.number(),
    drifted: z.boolean(),
    labels: z.object({ reference: z.record(z.string(), z.number()), live: z.record(z.string(), z.number()) }),
  })
  .meta({ id: 'DriftReport' });

export const metricsPointSchema = z
  .object({
    t: z.string(),
    rps: z.number(),
    errorRate: z.number(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    queueDepth: z.number(),
    batchSize: z.number().nullable(),
  })
  .meta({ id: 'MetricsPoint' });

const cursorQuery = z.coerce.number().int().positive().optional();

/** A window whose `from` is later than its `to` is refused, on every route that takes one. */
const fromNotAfterTo = <T extends z.ZodType<{ from?: string | undefined; to?: string | undefined }>>(
  schema: T,
) =>
  schema.refine((w) => !w.from || !w.to || Date.parse(w.from) <= Date.parse(w.to), {
    message: '`from` is later than `to`',
    path: ['from'],
  });

/** `GET /api/models/{name}/predictions` */
export const predictionPageQuery = fromNotAfterTo(
  predictionFilterQuery.extend({
    cursor: cursorQuery,
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  }),
);

/** `GET /api/models/{name}/predictions.csv` (`cursor`: only rows older than that id) */
export const predictionCsvQuery = fromNotAfterTo(predictionFilterQuery.extend({ cursor: cursorQuery }));

/** `GET /api/models/{name}/drift` */
export const driftQuery = fromNotAfterTo(predictionFilterQuery.omit({ label: true }));

export const referenceWindowBody = fromNotAfterTo(
  z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict(),
).meta({ id: 'ReferenceWindow' });

export const predictionPageSchema = z
  .object({ items: z.array(loggedPredictionSchema), nextCursor: z.number().nullable() })
  .meta({ id: 'PredictionPage' });

/** A reference dataset as CSV text: one column per feature, optional `label`. */
export const referenceCsvBody = z.string().meta({ id: 'ReferenceCsv' });

/** `GET /metrics`: the Prometheus text exposition format. */
export const prometheusTextSchema = z.string();

/** Logged predictions as CSV, one row per prediction (streamed: typed unknown so a stream may be sent). */
export const predictionsCsvSchema = z.unknown().meta({ type: 'string' });

export const metricsSummarySchema = z
  .object({
    intervalSeconds: z.number(),
    models: z.record(z.string(), z.array(metricsPointSchema)),
    http: z.array(metricsPointSchema),
  })
  .meta({ id: 'MetricsSummary' });
