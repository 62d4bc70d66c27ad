/**
 * Drift reports: live inputs (from the prediction log) against a version's reference dataset, per
 * feature (PSI over reference-quantile bins and a two-sample KS test), plus predicted labels against
 * the reference labels. References come from a CSV pushed for the version or from a logged window.
 * A report compares a bounded sample (the newest DRIFT_SAMPLE_ROWS rows of its window), aggregated
 * in SQL, so its cost does not grow with the log.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { driftReportSchema, referenceDatasetSchema } from '../contract/observability-schemas.js';
import type { Db } from '../db/database.js';
import { predictionLogs, referenceDatasets } from '../db/observability-schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { binShares, ksTest, labelShares, psi, quantileEdges } from './drift-stats.js';
import type { PredictionLogService } from './prediction-log.js';
import { type ParsedReference, parseReferenceCsv } from './reference-csv.js';

export const PSI_THRESHOLD = 0.2;
/** The most logged rows one report compares (the newest in its window): a bounded sample. */
export const DRIFT_SAMPLE_ROWS = 10_000;
export const KS_ALPHA = 0.05;

export type FeatureDrift = DriftReport['features'][number];

export type DriftReport = z.infer<typeof driftReportSchema>;

export type ReferenceInfo = z.infer<typeof referenceDatasetSchema>;

/** Names in `order` first, in that order; the rest alphabetically (jsonb does not keep key order). */
function ordered(names: string[], order: string[] | null): string[] {
  const o = order ?? [];
  const rank = (n: string) => (o.includes(n) ? o.indexOf(n) : o.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function pushTo(columns: Record<string, number[]>, key: string, value: number): void {
  const column = columns[key];
  if (column) column.push(value);
  else columns[key] = [value];
}

/** Shares of each label from counts. */
function sharesOf(counts: Record<string, number>): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / total]));
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export class DriftService {
  constructor(
    private readonly db: Db,
    private readonly logs: PredictionLogService,
    private readonly onReport?: (report: DriftReport) => void,
  ) {}

  private async store(
    model: string,
    version: number,
    features: Record<string, number[]>,
    labels: string[] | null,
    source: string,
  ): Promise<ReferenceInfo> {
    const rows = Object.values(features)[0]?.length ?? 0;
    if (rows < 10) {
      throw new ModelGardenError('INVALID_REFERENCE', `A reference needs at least 10 rows; got ${rows}`);
    }
    const values = { model, version, features, labels, source, rows };
    const [row] = await this.db
      .insert(referenceDatasets)
      .values(values)
      .onConflictDoUpdate({ target: [referenceDatasets.model, referenceDatasets.version], set: values })
      .returning();
    return {
      model,
      version,
      source,
      rows,
      features: Object.keys(features),
      createdAt: row!.createdAt.toISOString(),
    };
  }

  /** Stores a CSV (header row of feature names, optional `label` column) as the version's reference. */
  setReferenceFromCsv(
    model: string,
    version: number,
    csv: string,
    featureNames: string[],
  ): Promise<ReferenceInfo> {
    return this.setParsedReference(model, version, parseReferenceCsv(csv, featureNames));
  }

  /** Stores an already parsed and checked CSV (see parseReferenceCsv) as the version's reference. */
  setParsedReference(model: string, version: number, parsed: ParsedReference): Promise<ReferenceInfo> {
    return this.store(model, version, parsed.features, parsed.labels, 'csv');
  }

  /** Uses the features logged for the version within a time window as its reference. */
  async setReferenceFromWindow(model: string, version: number, from: Date, to: Date): Promise<ReferenceInfo> {
    const features: Record<string, number[]> = {};
    const labels: string[] = [];
    for await (const row of this.logs.all({ model, version, from, to })) {
      if (!row.features) continue;
      for (const [k, v] of Object.entries(row.features)) pushTo(features, k, v);
      if (row.label !== null) labels.push(row.label);
    }
    return this.store(
      model,
      version,
      features,
      labels.length ? labels : null,
      `window ${from.toISOString()}..${to.toISOString()}`,
    );
  }

  /** `order`: the version's feature names, to list features in (jsonb does not keep key order). */
  async getReference(
    model: string,
    version: number,
    order: string[] | null = null,
  ): Promise<(ReferenceInfo & { version: number }) | null> {
    const row = await this.referenceRow(model, version);
    return row
      ? {
          model,
          version: row.version,
          source: row.source,
          rows: row.rows,
          features: ordered(Object.keys(row.features), order),
          createdAt: row.createdAt.toISOString(),
        }
      : null;
  }

  /** The version's own reference, else the newest reference of an earlier version of the model. */
  private async referenceRow(model: string, version: number) {
    const [own] = await this.db
      .select()
      .from(referenceDatasets)
      .where(and(eq(referenceDatasets.model, model), eq(referenceDatasets.version, version)))
      .limit(1);
    if (own) return own;
    const [earlier] = await this.db
      .select()
      .from(referenceDatasets)
      .where(eq(referenceDatasets.model, model))
      .orderBy(desc(referenceDatasets.version))
      .limit(1);
    return earlier && earlier.version < version ? earlier : undefined;
  }

  /**
   * The newest `DRIFT_SAMPLE_ROWS` logged rows of the version in the window, aggregated by the
   * database into one row: the row count, each feature's values as one array, and the label counts.
   * The event loop's share stays the same however large the table grows (one small JSON value to
   * parse, statistics over a bounded sample); the index on (model, created_at) finds the rows.
   * The log stores features as json (cheaper to write than jsonb), read here with json's own
   * functions: no conversion to jsonb (~3 µs a row in PGlite), and none of the rows a sorting
   * plan reads before its limit.
   */
  private async liveSample(
    model: string,
    version: number,
    window: { from?: Date; to?: Date },
  ): Promise<{ rows: number; features: Record<string, number[]>; labels: Record<string, number> }> {
    const result = await this.db.execute(sql`
      with sample as (
        select features, label from ${predictionLogs}
        where model = ${model} and version = ${version}
          ${window.from ? sql`and created_at >= ${window.from.toISOString()}::timestamptz` : sql``}
          ${window.to ? sql`and created_at <= ${window.to.toISOString()}::timestamptz` : sql``}
        order by created_at desc
        limit ${DRIFT_SAMPLE_ROWS}
      )
      select
        (select count(*) from sample)::int as rows,
        (select coalesce(json_object_agg(key, vals), '{}'::json) from (
          select f.key, json_agg(f.value) as vals
          from sample, json_each(sample.features) f
          where json_typeof(f.value) = 'number'
          group by f.key) x) as features,
        (select coalesce(jsonb_object_agg(label, n), '{}'::jsonb) from (
          select label, count(*)::int as n from sample where label is not null group by label) l) as labels`);
    const row = (result as unknown as { rows: Array<Record<string, unknown>> }).rows[0] ?? {};
    const json = <T>(v: unknown, empty: T): T =>
      v == null ? empty : typeof v === 'string' ? JSON.parse(v) : (v as T);
    return {
      rows: Number(row.rows ?? 0),
      features: json(row.features, {}),
      labels: json(row.labels, {}),
    };
  }

  async report(
    model: string,
    version: number,
    window: { from?: Date; to?: Date } = {},
    order: string[] | null = null,
  ): Promise<DriftReport> {
    const ref = await this.referenceRow(model, version);
    if (!ref) {
      throw new ModelGardenError(
        'REFERENCE_NOT_FOUND',
        `Model "${model}" version ${version} has no reference dataset; push one with PUT /api/models/${model}/versions/${version}/reference`,
      );
    }
    const {
      rows: liveRows,
      features: live,
      labels: liveLabels,
    } = await this.liveSample(model, version, window);
    const names = ordered(Object.keys(ref.features), order);
    const features = names.map((feature): FeatureDrift => {
      const refValues = ref.features[feature] ?? [];
      const liveValues = live[feature] ?? [];
      const edges = quantileEdges(refValues);
      const reference = binShares(refValues, edges);
      const liveShares = binShares(liveValues, edges);
      const p = liveValues.length ? psi(reference, liveShares) : 0;
      const ks = ksTest(refValues, liveValues);
      return {
        feature,
        psi: p,
        ksStatistic: ks.statistic,
        ksPValue: ks.pValue,
        drifted: liveValues.length > 0 && (p > PSI_THRESHOLD || ks.pValue < KS_ALPHA),
        histogram: { edges, reference, live: liveShares },
        referenceMean: mean(refValues),
        liveMean: mean(liveValues),
      };
    });
    const driftedShare = features.length ? features.filter((f) => f.drifted).length / features.length : 0;
    const report: DriftReport = {
      model,
      version,
      referenceVersion: ref.version,
      referenceSource: ref.source,
      window: { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null },
      referenceRows: ref.rows,
      liveRows,
      features,
      driftedShare,
      drifted: driftedShare > 0,
      labels: { reference: labelShares(ref.labels ?? []), live: sharesOf(liveLabels) },
    };
    this.onReport?.(report);
    return report;
  }
}
