/**
 * The LLM usage log: one row per gateway request (finished, failed or aborted), buffered in memory
 * and written by one insert per second off the request path, like the prediction log. A full
 * buffer drops rows (counted) rather than slowing calls; budgets do not depend on it (limits.ts).
 */
import { and, desc, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { llmUsage } from '../db/llm-schema.js';

export type UsageEntry = Omit<typeof llmUsage.$inferInsert, 'id'>;

export interface UsageLogOptions {
  flushIntervalMs?: number;
  capacity?: number;
  onError?: (err: unknown) => void;
}

export interface UsageTotals {
  /** What the rows are grouped by: `key`, `user`, `model` or `provider` value (null for none). */
  group: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  errors: number;
}

export class UsageLog {
  private rows: UsageEntry[] = [];
  private inFlight: Promise<void> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  dropped = 0;
  written = 0;

  constructor(
    private readonly db: Db,
    private readonly options: UsageLogOptions = {},
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  record(entry: UsageEntry): void {
    if (this.rows.length >= (this.options.capacity ?? 50_000)) {
      this.dropped++;
      return;
    }
    this.rows.push(entry);
  }

  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    if (this.rows.length === 0) return Promise.resolve();
    const batch = this.rows;
    this.rows = [];
    this.inFlight = this.write(batch).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async write(batch: UsageEntry[]): Promise<void> {
    try {
      for (let i = 0; i < batch.length; i += 1000)
        await this.db.insert(llmUsage).values(batch.slice(i, i + 1000));
      this.written += batch.length;
    } catch (err) {
      this.dropped += batch.length;
      this.options.onError?.(err);
    }
  }

  /** The newest rows first (after writing what is buffered). */
  async recent(limit = 100, before?: number) {
    await this.flush();
    return this.db
      .select()
      .from(llmUsage)
      .where(before !== undefined ? lt(llmUsage.id, before) : undefined)
      .orderBy(desc(llmUsage.id))
      .limit(Math.min(limit, 1000));
  }

  /** Totals since `from`, grouped by key, user, model or provider. */
  async totals(by: 'key' | 'user' | 'model' | 'provider', from: Date): Promise<UsageTotals[]> {
    await this.flush();
    const column = {
      key: sql`${llmUsage.keyId}::text`,
      user: sql`${llmUsage.userId}::text`,
      model: sql`${llmUsage.model}`,
      provider: sql`${llmUsage.provider}`,
    }[by];
    const rows = await this.db
      .select({
        group: sql<string | null>`${column}`,
        requests: sql<number>`count(*)::int`,
        promptTokens: sql<number>`coalesce(sum(${llmUsage.promptTokens}), 0)::bigint`,
        completionTokens: sql<number>`coalesce(sum(${llmUsage.completionTokens}), 0)::bigint`,
        errors: sql<number>`count(*) filter (where ${llmUsage.status} <> 'ok')::int`,
      })
      .from(llmUsage)
      .where(and(gte(llmUsage.at, from)))
      .groupBy(column)
      .orderBy(desc(sql`count(*)`));
    return rows.map((r) => ({
      ...r,
      requests: Number(r.requests),
      promptTokens: Number(r.promptTokens),
      completionTokens: Number(r.completionTokens),
      errors: Number(r.errors),
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
