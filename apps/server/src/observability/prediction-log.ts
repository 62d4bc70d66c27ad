/**
 * Sampled prediction logging: per-model opt-in settings, an in-memory buffer of rows in binary COPY
 * format written to Postgres at least every 100 ms in one COPY (so the hot path never waits on the
 * database), filtered browsing with cursor paging, CSV export, and a retention cleanup.
 */
import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { predictionLogSettingsSchema } from '../contract/observability-schemas.js';
import type { Database, Db } from '../db/database.js';
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

/** The columns of a COPY row, in the order each binary row holds them (db/observability-schema.ts). */
export const COPY_TARGET =
  'prediction_logs (model, version, request_id, protocol, created_at, latency_ms, features, image_stats, output, label)';
const COPY_FIELDS = 10;
/** PostgreSQL's binary COPY header: signature, flags, header extension length (19 bytes). */
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A row's bytes besides its strings: field count, 10 lengths, version, created_at, latency_ms. */
const FIXED_ROW_BYTES = 2 + 4 * COPY_FIELDS + 4 + 8 + 4;
/** timestamptz in binary: microseconds since 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

/**
 * What PostgreSQL text cannot hold (U+0000) and jsonb refuses (lone surrogates, which the drift
 * sample's `::jsonb` would meet): one such string would fail its whole batch or the model's drift
 * reports, so it is stored as U+FFFD. In JSON.stringify's output they are escapes.
 */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

const storable = (value: unknown): unknown => {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\ufffd');
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)]));
};

/** JSON text of a logged object (NaN and ±Infinity become null, as jsonb had them). */
function storableJson(value: object): string {
  const json = JSON.stringify(value);
  // A false alarm (an escaped backslash before "u0000") only costs the slow path.
  return UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(storable(value)) : json;
}

/**
 * Rows in PostgreSQL's binary COPY format, appended into one reused byte buffer: nothing for the
 * database to parse but the JSON columns' validation (a timestamptz as text cost PGlite ~1.7 µs a
 * row, jsonb's conversion ~1.5 µs, jsonb_to_recordset's JSON array ~7 µs), and each row's strings
 * die young instead of living until the flush (thousands of them promoted to the old generation).
 */
export class CopyRows {
  private bytes = Buffer.allocUnsafe(256 * 1024);
  private at = COPY_HEADER.length;
  rows = 0;

  constructor() {
    COPY_HEADER.copy(this.bytes, 0);
  }

  append(e: PredictionLogEntry, now: number): void {
    const features = e.features === null ? null : storableJson(e.features);
    const imageStats = e.imageStats === null ? null : storableJson(e.imageStats);
    const output = storableJson(e.output);
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const most =
      FIXED_ROW_BYTES +
      3 *
        (e.model.length +
          e.requestId.length +
          e.protocol.length +
          (features?.length ?? 0) +
          (imageStats?.length ?? 0) +
          output.length +
          (e.label?.length ?? 0)) +
      2; // the trailer written at take()
    if (this.at + most > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.at + most, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.at);
      this.bytes = grown;
    }
    const b = this.bytes;
    let p = b.writeInt16BE(COPY_FIELDS, this.at);
    p = this.text(e.model, p);
    p = b.writeInt32BE(4, p);
    p = b.writeInt32BE(e.version, p);
    p = this.text(e.requestId, p);
    p = this.text(e.protocol, p);
    const us = ((e.createdAt?.getTime() ?? now) - PG_EPOCH_MS) * 1000;
    const high = Math.floor(us / TWO_32);
    p = b.writeInt32BE(8, p);
    p = b.writeInt32BE(high, p);
    p = b.writeUInt32BE(us - high * TWO_32, p);
    p = b.writeInt32BE(4, p);
    p = b.writeFloatBE(e.latencyMs, p);
    p = this.text(features, p);
    p = this.text(imageStats, p);
    p = this.text(output, p);
    this.at = this.text(e.label, p);
    this.rows++;
  }

  /** A field's length and UTF-8 bytes (text and json are the same on the wire), or -1 for null. */
  private text(value: string | null, p: number): number {
    if (value === null) return this.bytes.writeInt32BE(-1, p);
    // Lone surrogates become U+FFFD in the UTF-8 write; U+0000 must here (see UNSTORABLE).
    const n = this.bytes.write(value.includes('\0') ? value.replaceAll('\0', '\ufffd') : value, p + 4);
    this.bytes.writeInt32BE(n, p);
    return p + 4 + n;
  }

  /** The rows so far as one COPY payload in a buffer of its own (transferable); starts over. */
  take(): Uint8Array {
    const end = this.bytes.writeInt16BE(-1, this.at);
    const out = new Uint8Array(end);
    out.set(this.bytes.subarray(0, end));
    this.at = COPY_HEADER.length;
    this.rows = 0;
    return out;
  }
}

/** Entries as one binary COPY payload for COPY_TARGET (see CopyRows). */
export function copyPayload(entries: PredictionLogEntry[], now = Date.now()): Uint8Array {
  const rows = new CopyRows();
  for (const e of entries) rows.append(e, now);
  return rows.take();
}

/** Where a batch goes: Database.copyBinary. */
export type CopyBinary = (target: string, data: Uint8Array) => Promise<void>;

export class PredictionLogService {
  /** Rows waiting for the next write, already in COPY's binary format. */
  private pending = new CopyRows();
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

  private readonly db: Db;
  private readonly copy: CopyBinary;

  constructor(
    database: Pick<Database, 'db' | 'copyBinary'>,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.db = database.db;
    this.copy = database.copyBinary;
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

  /** Buffers one entry, encoded at once; a full buffer drops it (counted, reported as an error). */
  record(entry: PredictionLogEntry): void {
    if (this.pending.rows >= this.capacity) {
      this.dropped++;
      this.droppedSinceReport++;
      return;
    }
    try {
      this.pending.append(entry, Date.now());
    } catch (err) {
      // Not encodable (a version outside int4): this entry only; the buffer is left as it was.
      this.dropped++;
      this.droppedSinceReport++;
      this.options.onError?.(err);
      return;
    }
    if (this.pending.rows >= this.flushRows && this.inFlight === null) void this.flush();
  }

  /** Rows waiting to be written. */
  get buffered(): number {
    return this.pending.rows;
  }

  private tick(): void {
    if (this.droppedSinceReport > 0) {
      const n = this.droppedSinceReport;
      this.droppedSinceReport = 0;
      this.options.onDrop?.(n);
    }
    if (this.inFlight === null && this.pending.rows > 0) void this.flush();
  }

  /** Writes every row buffered so far (one insert at a time); resolves once they are written. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    if (this.pending.rows === 0) return Promise.resolve();
    const rows = this.pending.rows;
    const data = this.pending.take();
    this.inFlight = this.write(data, rows).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async write(data: Uint8Array, rows: number): Promise<void> {
    try {
      await this.copy(COPY_TARGET, data);
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
