/**
 * LLM usage over time: the usage log's rows since a date, summed per hour or UTC day and per key,
 * user, model or provider, for the admin page's charts (GET /api/llm/usage?interval=…).
 */
import { asc, gte, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { llmUsage } from '../db/llm-schema.js';
import type { UsageTotals } from './usage-log.js';

export type UsageGroupBy = 'key' | 'user' | 'model' | 'provider';
export type UsageInterval = 'hour' | 'day';

export interface UsagePoint extends UsageTotals {
  /** The start of the hour or UTC day (ISO 8601). */
  at: string;
}

/** One point per (interval, group) that has rows; intervals without any are left out. */
export async function usageSeries(
  db: Db,
  by: UsageGroupBy,
  from: Date,
  interval: UsageInterval,
): Promise<UsagePoint[]> {
  const column = {
    key: sql`${llmUsage.keyId}::text`,
    user: sql`${llmUsage.userId}::text`,
    model: sql`${llmUsage.model}`,
    provider: sql`${llmUsage.provider}`,
  }[by];
  // date_trunc on a timestamptz truncates in the session's zone: name UTC so days are UTC days.
  // The unit is written into the statement, never a parameter (GROUP BY must see the same expression).
  const bucket =
    interval === 'hour'
      ? sql`date_trunc('hour', ${llmUsage.at} at time zone 'UTC')`
      : sql`date_trunc('day', ${llmUsage.at} at time zone 'UTC')`;
  const rows = await db
    .select({
      at: sql<string>`to_char(${bucket}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
      group: sql<string | null>`${column}`,
      requests: sql<number>`count(*)::int`,
      promptTokens: sql<number>`coalesce(sum(${llmUsage.promptTokens}), 0)::bigint`,
      completionTokens: sql<number>`coalesce(sum(${llmUsage.completionTokens}), 0)::bigint`,
      errors: sql<number>`count(*) filter (where ${llmUsage.status} <> 'ok')::int`,
    })
    .from(llmUsage)
    .where(gte(llmUsage.at, from))
    .groupBy(bucket, column)
    .orderBy(asc(bucket), asc(column));
  return rows.map((r) => ({
    at: r.at,
    group: r.group,
    requests: Number(r.requests),
    promptTokens: Number(r.promptTokens),
    completionTokens: Number(r.completionTokens),
    errors: Number(r.errors),
  }));
}
