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

/** One row as JSON, keyed by column (the insert expands a JSON array with jsonb_to_recordset). */
function rowJson(e: UsageEntry): string {
  return JSON.stringify({
    at_ms: e.at instanceof Date ? e.at.getTime() : Date.now(),
    request_id: e.requestId ?? null,
    key_id: e.keyId ?? null,
    user_id: e.userId ?? null,
    subject: e.subject,
    endpoint: e.endpoint,
    model: e.model,
    provider: e.provider ?? null,
    deployment: e.deployment ?? null,
    stream: e.stream ?? false,
    prompt_tokens: e.promptTokens ?? 0,
    completion_tokens: e.completionTokens ?? 0,
    tokens_estimated: e.tokensEstimated ?? false,
    ttft_ms: e.timeToFirstTokenMs ?? null,
    duration_ms: e.durationMs,
    status: e.status,
    error_code: e.errorCode ?? null,
    http_status: e.httpStatus ?? null,
    attempts: e.attempts ?? 0,
    fallbacks: e.fallbacks ?? 0,
    prompt: e.prompt ?? null,
    answer: e.answer ?? null,
  });
}

/**
 * One INSERT for a batch, the rows sent as one JSON array parameter: building a multi-row VALUES
 * list with 22 parameters a row cost the event loop a fifth of a small call's CPU (as the
 * prediction log found before).
 */
function insertSql(rows: string[]) {
  return sql`insert into ${llmUsage} (at, request_id, key_id, user_id, subject, endpoint, model, provider,
      deployment, stream, prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, duration_ms, status,
      error_code, http_status, attempts, fallbacks, prompt, answer)
    select to_timestamp(at_ms / 1000.0), request_id, key_id, user_id, subject, endpoint, model, provider,
      deployment, stream, prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, duration_ms, status,
      error_code, http_status, attempts, fallbacks, prompt, answer
    from jsonb_to_recordset(${`[${rows.join(',')}]`}::jsonb) as x(at_ms float8, request_id text, key_id integer,
      user_id integer, subject text, endpoint text, model text, provider text, deployment text, stream boolean,
      prompt_tokens integer, completion_tokens integer, tokens_estimated boolean, ttft_ms real, duration_ms real,
      status text, error_code text, http_status integer, attempts integer, fallbacks integer, prompt jsonb,
      answer jsonb)`;
}

export class UsageLog {
  private rows: string[] = [];
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
    this.rows.push(rowJson(entry));
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

  private async write(batch: string[]): Promise<void> {
    try {
      for (let i = 0; i < batch.length; i += 5000) await this.db.execute(insertSql(batch.slice(i, i + 5000)));
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
