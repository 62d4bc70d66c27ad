/**
 * Observability routes: prediction-log settings, browsing and CSV export, reference datasets,
 * drift reports, and the live metrics summary behind the web app's charts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isAdmin, read, write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import {
  driftQuery,
  driftReportSchema as driftSchema,
  metricsSummarySchema,
  predictionCsvQuery,
  predictionPageQuery,
  predictionPageSchema,
  predictionsCsvSchema,
  referenceCsvBody,
  referenceDatasetSchema as referenceSchema,
  referenceWindowBody,
  predictionLogSettingsSchema as settingsSchema,
} from '../../contract/observability-schemas.js';
import { errorSchema, modelNameParam, versionParam } from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { assertModelName, parseVersion } from '../../registry/names.js';
import { traits } from '../route-traits.js';

const tags = ['observability'];

const toDate = (s: string | undefined) => (s ? new Date(s) : undefined);

export function observabilityRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 },
      (_r, body, done) => done(null, body),
    );

    const params = z.object({ name: modelNameParam });
    const versionParams = z.object({ name: modelNameParam, version: versionParam });
    /** Checks the model exists (and the version, when given) so unknown names answer 404. */
    const version = async (name: string, raw?: string | number) => {
      const v = raw === undefined ? undefined : typeof raw === 'number' ? raw : parseVersion(raw);
      return ctx.registry.resolve(name, v === undefined ? {} : { version: v });
    };

    app.get(
      '/api/models/:name/prediction-logging',
      {
        config: traits(read('models:read'), 'observability', { model: 'existing' }),
        schema: {
          tags,
          summary: 'Prediction logging settings',
          params,
          response: { 200: settingsSchema, 404: errorSchema },
        },
      },
      async (req) => {
        await ctx.registry.getModel(req.params.name);
        return ctx.predictionLogs.getSettings(req.params.name);
      },
    );

    app.put(
      '/api/models/:name/prediction-logging',
      {
        config: traits(write('models:write'), 'observability', { model: 'existing', idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Turn prediction logging on or off, set its sample rate and retention',
          params,
          body: settingsSchema.partial().strict(),
          response: { 200: settingsSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        await ctx.registry.getModel(req.params.name);
        return ctx.predictionLogs.setSettings(req.params.name, req.body);
      },
    );

    app.get(
      '/api/models/:name/predictions',
      {
        config: traits(read('models:read'), 'observability', { model: 'existing' }),
        schema: {
          tags,
          summary: 'Logged predictions, newest first (filter by version, label, time; page with cursor)',
          params,
          querystring: predictionPageQuery,
          response: {
            200: predictionPageSchema,
            400: errorSchema,
            404: errorSchema,
          },
        },
      },
      async (req) => {
        await ctx.registry.getModel(req.params.name);
        const q = req.query;
        return ctx.predictionLogs.query({
          model: req.params.name,
          version: q.version,
          label: q.label,
          from: toDate(q.from),
          to: toDate(q.to),
          cursor: q.cursor,
          limit: q.limit,
        });
      },
    );

    app.get(
      '/api/models/:name/predictions.csv',
      {
        config: traits(read('models:read'), 'observability', { model: 'existing' }),
        schema: {
          tags,
          summary: 'Logged predictions as CSV (same filters; `cursor`: only rows older than that id)',
          params,
          querystring: predictionCsvQuery,
          response: {
            200: { content: { 'text/csv': { schema: predictionsCsvSchema } } },
            400: errorSchema,
            404: errorSchema,
          },
        },
      },
      async (req, reply) => {
        await ctx.registry.getModel(req.params.name);
        const q = req.query;
        const rows = ctx.predictionLogs.all({
          model: req.params.name,
          version: q.version,
          label: q.label,
          from: toDate(q.from),
          to: toDate(q.to),
          cursor: q.cursor,
        });
        // csv-stringify loads with the first export, not with the server.
        const { stringify } = await import('csv-stringify');
        const csv = stringify({ header: true });
        void (async () => {
          try {
            for await (const r of rows) {
              csv.write({
                id: r.id,
                created_at: r.createdAt,
                model: r.model,
                version: r.version,
                request_id: r.requestId,
                protocol: r.protocol,
                latency_ms: r.latencyMs,
                label: r.label ?? '',
                probability: r.output.probability ?? '',
                value: r.output.value ?? '',
                features: r.features ? JSON.stringify(r.features) : '',
                image_stats: r.imageStats ? JSON.stringify(r.imageStats) : '',
              });
            }
            csv.end();
          } catch (err) {
            csv.destroy(err as Error);
          }
        })();
        reply.header('content-type', 'text/csv; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="${req.params.name}-predictions.csv"`);
        return reply.send(csv);
      },
    );

    app.put(
      '/api/models/:name/versions/:version/reference',
      {
        config: traits(write('models:write'), 'observability', { model: 'existing', idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Set the reference dataset of a version from a CSV body (feature columns, optional label)',
          params: versionParams,
          // Read as text by the parser above; the handler refuses anything but CSV (415).
          bodyContent: { 'text/csv': referenceCsvBody },
          response: { 200: referenceSchema, 400: errorSchema, 404: errorSchema, 415: errorSchema },
        },
      },
      async (req) => {
        if (typeof req.body !== 'string') {
          throw new ModelGardenError('UNSUPPORTED_MEDIA_TYPE', 'Send the reference as text/csv');
        }
        const v = await version(req.params.name, req.params.version);
        if (!v.featureNames) {
          throw new ModelGardenError(
            'INVALID_REFERENCE',
            `Version ${v.version} has no feature names to match columns to`,
          );
        }
        return ctx.drift.setReferenceFromCsv(v.model, v.version, req.body, v.featureNames);
      },
    );

    app.post(
      '/api/models/:name/versions/:version/reference/from-window',
      {
        config: traits(write('models:write'), 'observability', { model: 'existing', idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Use the features logged in a time window as the reference of a version',
          params: versionParams,
          body: referenceWindowBody,
          response: { 200: referenceSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        const v = await version(req.params.name, req.params.version);
        return ctx.drift.setReferenceFromWindow(
          v.model,
          v.version,
          new Date(req.body.from),
          new Date(req.body.to),
        );
      },
    );

    app.get(
      '/api/models/:name/versions/:version/reference',
      {
        config: traits(read('models:read'), 'observability', { model: 'existing' }),
        schema: {
          tags,
          summary: 'The reference dataset a version is compared with',
          params: versionParams,
          response: { 200: referenceSchema, 404: errorSchema },
        },
      },
      async (req) => {
        const v = await version(req.params.name, req.params.version);
        const ref = await ctx.drift.getReference(v.model, v.version, v.featureNames);
        if (!ref)
          throw new ModelGardenError('REFERENCE_NOT_FOUND', `Version ${v.version} has no reference dataset`);
        return ref;
      },
    );

    app.get(
      '/api/models/:name/drift',
      {
        config: traits(read('models:read'), 'observability', { model: 'existing' }),
        schema: {
          tags,
          summary: 'Drift report: live inputs against the reference (PSI, KS test, labels)',
          params,
          querystring: driftQuery,
          response: { 200: driftSchema, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        assertModelName(req.params.name);
        const v = await version(req.params.name, req.query.version);
        return ctx.drift.report(
          v.model,
          v.version,
          { from: toDate(req.query.from), to: toDate(req.query.to) },
          v.featureNames,
        );
      },
    );

    app.get(
      '/api/metrics/summary',
      {
        config: traits(read('models:read'), 'observability'),
        schema: {
          tags,
          summary: 'Recent per-model throughput, latency percentiles, error rate, queue depth and batch size',
          response: { 200: metricsSummarySchema },
        },
      },
      // Per-model series only for the models the caller may see, as GET /api/models lists them.
      async (req) => {
        const summary = ctx.liveMetrics.summary();
        if (isAdmin(req.principal)) return summary;
        const names = await ctx.auth.models.filterNames(req.principal, Object.keys(summary.models));
        return { ...summary, models: Object.fromEntries(names.map((n) => [n, summary.models[n] ?? []])) };
      },
    );
  };
}
