/**
 * Sampled prediction logging: per-model opt-in settings, an in-memory buffer of serialised rows
 * written to Postgres at least every 100 ms in one insert (so the hot path never waits on the
 * database), filtered browsing with cursor paging, CSV export, and a retention cleanup.
 */
import { and, desc, eq, gte, lt, lte, type SQL, sql } from 'drizzle-orm';
import fastJsonStringify from 'fast-json-stringify';
import type { z } from 'zod';
import type { predictionLogSettingsSchema } from '../contract/observability-schemas.js';
import type { Db } from '../db/database.js';
import { type LoggedOutput, predictionLogSettings, predictionLogs } from '../db/observability-schema.js';

/** A model's logging settings (the contract's schema). */
export type PredictionLogSettings = z.infer<typeof predictionLogSettingsSchema>;

export interface PredictionLogEntry {
  model: string;
  version: number;
  requestId: string;
  protocol: 'predict' | 'oip';
  latencyMs: number;
  features: Record<string, number> | null;
  imageStats: Record<string, number> | null;
  output: LoggedOutput;
  label: string | null;
  createdAt?: Date;
}

export interface PredictionLogFilter {
  model: string;
  version?: number | undefined;
  label?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Return rows with an id below this (the previous page's nextCursor). */
  cursor?: number | undefined;
  limit?: number | undefined;
}

export interface LoggedPrediction extends Omit<PredictionLogEntry, 'createdAt'> {
  id: number;
  createdAt: string;
}

export const DEFAULT_SETTINGS: PredictionLogSettings = { enabled: false, sampleRate: 1, retentionDays: 30 };
const SETTINGS_TTL_MS = 5_000;

/** Above what this server answers on any machine it was measured on (~20k iris predictions/s). */
export const DEFAULT_MAX_ROWS_PER_SECOND = 50_000;
/** How far the database may fall behind before rows are dropped. */
export const DEFAULT_MAX_LAG_MS = 2_000;

export interface PredictionLogOptions {
  /** At most this long between a row's arrival and its write starting (default 100 ms). */
  flushIntervalMs?: number;
  /** A write starts as soon as this many rows wait (default 2,000). */
  flushRows?: number;
  /**
   * The buffer holds `maxRowsPerSecond × maxLagMs` rows (default 50,000/s × 2 s): at sample rate 1
   * nothing is dropped up to that rate while the database keeps up within the lag.
   */
  maxRowsPerSecond?: number;
  maxLagMs?: number;
  /** Overrides the computed buffer size (tests). */
  maxBuffer?: number;
  onError?: (err: unknown) => void;
  /** Rows dropped (buffer full, or a failed write), reported at most once per flush interval. */
  onDrop?: (count: number) => void;
}

/** One row as the insert reads it (jsonb_to_recordset's column names). */
interface RowJson {
  model: string;
  version: number;
  request_id: string;
  protocol: string;
  created_ms: number;
  latency_ms: number;
  features: Record<string, number> | null;
  image_stats: Record<string, number> | null;
  output: LoggedOutput;
  label: string | null;
}

const numbers = { type: ['object', 'null'], additionalProperties: { type: 'number' } };
/** Compiled once from the row's shape: no reflection over each entry (fast-json-stringify). */
const stringifyRow = fastJsonStringify({
  type: 'object',
  properties: {
    model: { type: 'string' },
    version: { type: 'integer' },
    request_id: { type: 'string' },
    protocol: { type: 'string' },
    created_ms: { type: 'number' },
    latency_ms: { type: 'number' },
    features: numbers,
    image_stats: numbers,
    output: {
      type: 'object',
      properties: { label: { type: 'string' }, probability: { type: 'number' }, value: { type: 'number' } },
    },
    label: { type: ['string', 'null'] },
  },
  required: ['model', 'version', 'request_id', 'protocol', 'created_ms', 'latency_ms', 'output'],
} as object);

/** An entry as one JSON object (NaN/±Infinity, which the compiled serializer refuses, become null). */
export function rowJson(e: PredictionLogEntry, now = Date.now()): string {
  const row: RowJson = {
    model: e.model,
    version: e.version,
    request_id: e.requestId,
    protocol: e.protocol,
    created_ms: e.createdAt?.getTime() ?? now,
    latency_ms: e.latencyMs,
    features: e.features,
    image_stats: e.imageStats,
    output: e.output,
    label: e.label,
  };
  try {
    return stringifyRow(row);
  } catch {
    return JSON.stringify(row);
  }
}

/**
 * One INSERT for a batch of rows (a JSON array of rowJson's), expanded by the
 * database (jsonb_to_recordset): one parameter however many rows, so the statement costs the
 * database, not the event loop (a multi-row VALUES list with ten parameters per row cost five times
 * more on PGlite). The column list follows db/observability-schema.ts (prediction-log.test.ts reads
 * every field back).
 */
export function insertRowsSql(json: string): SQL {
  return sql`insert into ${predictionLogs}
      (model, version, request_id, protocol, created_at, latency_ms, features, image_stats, output, label)
    select model, version, request_id, protocol, to_timestamp(created_ms / 1000.0), latency_ms, features,
      image_stats, output, label
    from jsonb_to_recordset(${json}::jsonb) as x(model text, version integer, request_id text,
      protocol text, created_ms float8, latency_ms real, features jsonb, image_stats jsonb,
      output jsonb, label text)`;
}

/** The insert for entries (see insertRowsSql). */
export function insertEntriesSql(entries: PredictionLogEntry[]): SQL {
  const now = Date.now();
  return insertRowsSql(`[${entries.map((e) => rowJson(e, now)).join(',')}]`);
}

export class PredictionLogService {
  /**
   * Serialised rows waiting for the next write, as UTF-8 bytes in one reused buffer (comma
   * separated): each row's string dies young instead of living until the flush, when thousands of
   * them would be promoted to the old generation and collected by major GCs.
   */
  private bytes = Buffer.allocUnsafe(256 * 1024);
  private length = 0;
  private count = 0;
  private readonly settings = new Map<string, { value: PredictionLogSettings; at: number }>();
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | null = null;
  private readonly capacity: number;
  private readonly flushRows: number;
  private droppedSinceReport = 0;
  /** Rows dropped since start (buffer full or a failed write). */
  dropped = 0;
  /** Rows written since start. */
  written = 0;

  constructor(
    private readonly db: Db,
    private readonly options: PredictionLogOptions = {},
  ) {
    const interval = options.flushIntervalMs ?? 100;
    this.capacity =
      options.maxBuffer ??
      Math.ceil(
        ((options.maxRowsPerSecond ?? DEFAULT_MAX_ROWS_PER_SECOND) *
          (options.maxLagMs ?? DEFAULT_MAX_LAG_MS)) /
          1000,
      );
    this.flushRows = Math.min(options.flushRows ?? 2_000, this.capacity);
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  async getSettings(model: string): Promise<PredictionLogSettings> {
    const [row] = await this.db
      .select()
      .from(predictionLogSettings)
      .where(eq(predictionLogSettings.model, model))
      .limit(1);
    const value = row
      ? { enabled: row.enabled, sampleRate: row.sampleRate, retentionDays: row.retentionDays }
      : DEFAULT_SETTINGS;
    this.settings.set(model, { value, at: Date.now() });
    return value;
  }

  async hasSettings(model: string): Promise<boolean> {
    const rows = await this.db
      .select({ model: predictionLogSettings.model })
      .from(predictionLogSettings)
      .where(eq(predictionLogSettings.model, model))
      .limit(1);
    return rows.length > 0;
  }

  async setSettings(model: string, patch: Partial<PredictionLogSettings>): Promise<PredictionLogSettings> {
    const next = { ...(await this.getSettings(model)), ...patch };
    await this.db
      .insert(predictionLogSettings)
      .values({ model, ...next })
      .onConflictDoUpdate({ target: predictionLogSettings.model, set: { ...next, updatedAt: sql`now()` } });
    this.settings.set(model, { value: next, at: Date.now() });
    return next;
  }

  /** Decides synchronously from cached settings whether to log this request (refreshing in the background). */
  shouldLog(model: string): boolean {
    const cached = this.settings.get(model);
    if (!cached || Date.now() - cached.at > SETTINGS_TTL_MS) {
      this.settings.set(model, { value: cached?.value ?? DEFAULT_SETTINGS, at: Date.now() });
      void this.getSettings(model).catch((err) => this.options.onError?.(err));
    }
    const s = cached?.value ?? DEFAULT_SETTINGS;
    return s.enabled && (s.sampleRate >= 1 || Math.random() < s.sampleRate);
  }

  /** Models whose logging is switched on. */
  async enabledModels(): Promise<string[]> {
    const rows = await this.db
      .select({ model: predictionLogSettings.model })
      .from(predictionLogSettings)
      .where(eq(predictionLogSettings.enabled, true));
    return rows.map((r) => r.model);
  }

  /** Buffers one entry, serialised at once; a full buffer drops it (counted, reported as an error). */
  record(entry: PredictionLogEntry): void {
    if (this.count >= this.capacity) {
      this.dropped++;
      this.droppedSinceReport++;
      return;
    }
    const row = rowJson(entry);
    const room = this.length + 1 + row.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (room > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    if (this.count > 0) this.bytes[this.length++] = 0x2c; // ','
    this.length += this.bytes.write(row, this.length);
    this.count++;
    if (this.count >= this.flushRows && this.inFlight === null) void this.flush();
  }

  /** Rows waiting to be written. */
  get buffered(): number {
    return this.count;
  }

  private tick(): void {
    if (this.droppedSinceReport > 0) {
      const n = this.droppedSinceReport;
      this.droppedSinceReport = 0;
      this.options.onDrop?.(n);
    }
    if (this.inFlight === null && this.count > 0) void this.flush();
  }

  /** Writes every row buffered so far (one insert at a time); resolves once they are written. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    if (this.count === 0) return Promise.resolve();
    const json = `[${this.bytes.toString('utf8', 0, this.length)}]`;
    const rows = this.count;
    this.length = 0;
    this.count = 0;
    this.inFlight = this.write(json, rows).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async write(json: string, rows: number): Promise<void> {
    try {
      await this.db.execute(insertRowsSql(json));
      this.written += rows;
    } catch (err) {
      this.dropped += rows;
      this.droppedSinceReport += rows;
      this.options.onError?.(err);
    }
  }

  private where(f: PredictionLogFilter) {
    return and(
      eq(predictionLogs.model, f.model),
      f.version !== undefined ? eq(predictionLogs.version, f.version) : undefined,
      f.label !== undefined ? eq(predictionLogs.label, f.label) : undefined,
      f.from ? gte(predictionLogs.createdAt, f.from) : undefined,
      f.to ? lte(predictionLogs.createdAt, f.to) : undefined,
      f.cursor !== undefined ? lt(predictionLogs.id, f.cursor) : undefined,
    );
  }

  /** Newest first; `nextCursor` fetches the following page. */
  async query(f: PredictionLogFilter): Promise<{ items: LoggedPrediction[]; nextCursor: number | null }> {
    await this.flush();
    const limit = Math.min(f.limit ?? 50, 1000);
    const rows = await this.db
      .select()
      .from(predictionLogs)
      .where(this.where(f))
      .orderBy(desc(predictionLogs.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      model: r.model,
      version: r.version,
      requestId: r.requestId,
      protocol: r.protocol as 'predict' | 'oip',
      latencyMs: r.latencyMs,
      features: r.features ?? null,
      imageStats: r.imageStats ?? null,
      output: r.output,
      label: r.label,
      createdAt: r.createdAt.toISOString(),
    }));
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Pages through every matching row (for CSV export and window references). */
  async *all(f: Omit<PredictionLogFilter, 'limit'>): AsyncGenerator<LoggedPrediction> {
    let cursor = f.cursor;
    for (;;) {
      const page = await this.query({ ...f, cursor, limit: 1000 });
      yield* page.items;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  /** Deletes rows older than each model's retention; returns how many went. */
  async cleanup(now = new Date()): Promise<number> {
    const result = await this.db.execute(sql`
      delete from ${predictionLogs} p
      using (
        select distinct p2.model, coalesce(s.retention_days, ${DEFAULT_SETTINGS.retentionDays}) as days
        from ${predictionLogs} p2 left join ${predictionLogSettings} s on s.model = p2.model
      ) r
      where p.model = r.model and p.created_at < ${now.toISOString()}::timestamptz - make_interval(days => r.days)`);
    return (
      (result as unknown as { rowCount?: number; affectedRows?: number }).rowCount ??
      (result as unknown as { affectedRows?: number }).affectedRows ??
      0
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.tick(); // reports drops not reported yet
  }
}
