/**
 * Limits and budgets, held in Postgres (or Redis where REDIS_URL is set: redis-limits.ts) so every
 * replica sees the same counts: requests and tokens
 * per minute, tokens per UTC day and month, per subject (an API key, or a user on a web session).
 * A call first reserves its worst case (prompt tokens + the completion tokens it may use) with one
 * conditional upsert — the row lock makes concurrent reservations take turns and each sees the
 * others'; a burst from one subject is reserved together (group commit) — and settles the difference when it ends, so concurrent requests never overspend.
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { LlmLimits } from '../config/llm-config.js';
import type { Db } from '../db/database.js';
import { llmCounters } from '../db/llm-schema.js';
import { numberedStatement } from '../db/sql-literals.js';
import { ModelGardenError } from '../errors/model-garden-error.js';

/** A reservation to settle: which windows it was counted in and how many tokens. */
export interface Reservation {
  subject: string;
  tokens: number;
  minuteStart: number;
  dayStart: number;
  monthStart: number;
}

export interface Windows {
  minuteStart: number;
  dayStart: number;
  monthStart: number;
  /** When each ends (for Retry-After). */
  minuteEnd: number;
  dayEnd: number;
  monthEnd: number;
}

export function windowsAt(now: number): Windows {
  const d = new Date(now);
  const minuteStart = Math.floor(now / 60_000) * 60_000;
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return {
    minuteStart,
    dayStart,
    monthStart,
    minuteEnd: minuteStart + 60_000,
    dayEnd: dayStart + 86_400_000,
    monthEnd: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

export function hasLimits(l: LlmLimits): boolean {
  return (
    l.requestsPerMinute !== undefined ||
    l.tokensPerMinute !== undefined ||
    l.tokensPerDay !== undefined ||
    l.tokensPerMonth !== undefined
  );
}

interface CounterRow {
  minute_start: string | number;
  minute_requests: string | number;
  minute_tokens: string | number;
  day_start: string | number;
  day_tokens: string | number;
  month_start: string | number;
  month_tokens: string | number;
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
const n = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** What the gateway needs of a limit store: LimitStore (a database server, shared by replicas) or ExclusiveLimitStore (local-limits.ts: embedded PGlite). */
export interface LimitCounter {
  reserve(subject: string, limits: LlmLimits, tokens: number): Promise<Reservation | null>;
  settle(reservation: Reservation, usedTokens: number): void;
  usage(
    subject: string,
  ): Promise<{ minuteRequests: number; minuteTokens: number; dayTokens: number; monthTokens: number }>;
  flush(): Promise<void>;
  /** Releases what the store holds open (a Redis connection). */
  close?(): Promise<void>;
}

export interface LimitStoreOptions {
  now?: () => number;
  /** How long settlements are gathered before they are written (0: at once, on the next tick). */
  settleDelayMs?: number;
  onError?: (err: unknown) => void;
}

interface Queue {
  subject: string;
  limits: LlmLimits;
  waiters: Array<{ tokens: number; resolve: (r: Reservation) => void; reject: (e: unknown) => void }>;
}

/**
 * One conditional upsert: counts $5 requests and $6 tokens in the windows starting at $2 (minute),
 * $3 (day) and $4 (month) for subject $1, if every limit ($7 rpm, $8 tpm, $9 per day, $10 per month;
 * null: none) still allows it; a window that has passed counts from zero. A row back: counted.
 */
const RESERVE_SQL = `insert into llm_counters as c
    (subject, minute_start, minute_requests, minute_tokens, day_start, day_tokens, month_start, month_tokens)
  values ($1::text, $2::bigint, $5::int, $6::bigint, $3::bigint, $6::bigint, $4::bigint, $6::bigint)
  on conflict (subject) do update set
    minute_requests = (case when c.minute_start = $2::bigint then c.minute_requests else 0 end) + $5::int,
    minute_tokens = (case when c.minute_start = $2::bigint then c.minute_tokens else 0 end) + $6::bigint,
    minute_start = $2::bigint,
    day_tokens = (case when c.day_start = $3::bigint then c.day_tokens else 0 end) + $6::bigint,
    day_start = $3::bigint,
    month_tokens = (case when c.month_start = $4::bigint then c.month_tokens else 0 end) + $6::bigint,
    month_start = $4::bigint
  where ($7::bigint is null or (case when c.minute_start = $2::bigint then c.minute_requests else 0 end) + $5::int <= $7::bigint)
    and ($8::bigint is null or (case when c.minute_start = $2::bigint then c.minute_tokens else 0 end) + $6::bigint <= $8::bigint)
    and ($9::bigint is null or (case when c.day_start = $3::bigint then c.day_tokens else 0 end) + $6::bigint <= $9::bigint)
    and ($10::bigint is null or (case when c.month_start = $4::bigint then c.month_tokens else 0 end) + $6::bigint <= $10::bigint)
  returning subject`;

function isPgPool(client: unknown): client is pg.Pool {
  return typeof client === 'object' && client !== null && 'totalCount' in client && 'connect' in client;
}

export class LimitStore implements LimitCounter {
  private readonly queues = new Map<string, Queue>();
  private readonly pending = new Map<string, { reservation: Reservation; delta: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;
  private readonly settleDelayMs: number;
  private readonly onError: (err: unknown) => void;
  /** The database server's pool (node-postgres), when there is one. */
  private readonly pool: pg.Pool | undefined;

  constructor(
    private readonly db: Db,
    options: LimitStoreOptions = {},
  ) {
    const client = (db as unknown as { $client?: unknown }).$client;
    // node-postgres's Pool, told apart without importing pg (a server on PGlite never loads it).
    this.pool = isPgPool(client) ? client : undefined;
    this.now = options.now ?? Date.now;
    this.settleDelayMs = options.settleDelayMs ?? 50;
    this.onError = options.onError ?? (() => {});
  }

  /**
   * Counts one request and `tokens` against every limit in `limits`, or refuses with 429
   * (RATE_LIMITED for the per-minute limits, BUDGET_EXCEEDED for the day and month) and the seconds
   * until the window that refused ends. Returns null when there is nothing to count against.
   */
  async reserve(subject: string, limits: LlmLimits, tokens: number): Promise<Reservation | null> {
    if (!hasLimits(limits)) return null;
    refuseImpossible(limits, tokens, windowsAt(this.now()), this.now());
    // Group commit: reservations that arrive while one of the same subject is being written wait
    // and are then reserved together, in one statement for their sum (each on its own if the sum
    // does not fit), so a burst costs a few round trips instead of one each.
    const key = `${subject}\u0000${limits.requestsPerMinute}\u0000${limits.tokensPerMinute}\u0000${limits.tokensPerDay}\u0000${limits.tokensPerMonth}`;
    return new Promise<Reservation>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { subject, limits, waiters: [] };
        this.queues.set(key, queue);
        queue.waiters.push({ tokens, resolve, reject });
        void this.drain(key, queue);
      } else queue.waiters.push({ tokens, resolve, reject });
    });
  }

  private async drain(key: string, queue: Queue): Promise<void> {
    try {
      while (queue.waiters.length > 0) {
        const group = queue.waiters.splice(0);
        const w = windowsAt(this.now());
        try {
          const total = group.reduce((sum, g) => sum + g.tokens, 0);
          if (await this.tryReserve(queue.subject, queue.limits, total, group.length, w)) {
            for (const g of group) g.resolve({ subject: queue.subject, tokens: g.tokens, ...w });
            continue;
          }
          if (group.length === 1) {
            group[0]!.reject(await this.explain(queue.subject, queue.limits, group[0]!.tokens, w));
            continue;
          }
          for (const g of group) {
            if (await this.tryReserve(queue.subject, queue.limits, g.tokens, 1, w))
              g.resolve({ subject: queue.subject, tokens: g.tokens, ...w });
            else g.reject(await this.explain(queue.subject, queue.limits, g.tokens, w));
          }
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
    } finally {
      this.queues.delete(key);
    }
  }

  /** One conditional upsert: counts `requests` requests and `tokens` tokens if every limit allows. */
  private async tryReserve(
    subject: string,
    limits: LlmLimits,
    tokens: number,
    requests: number,
    w: Windows,
  ): Promise<boolean> {
    const rpm = limits.requestsPerMinute ?? null;
    const tpm = limits.tokensPerMinute ?? null;
    const tpd = limits.tokensPerDay ?? null;
    const tpmo = limits.tokensPerMonth ?? null;
    if (requests > (rpm ?? Number.POSITIVE_INFINITY)) return false;
    for (const limit of [tpm, tpd, tpmo]) if (limit !== null && tokens > limit) return false;
    const values = [subject, w.minuteStart, w.dayStart, w.monthStart, requests, tokens, rpm, tpm, tpd, tpmo];
    // On a PostgreSQL server, a named prepared statement: parsed and planned once per connection, and
    // no query built per call (drizzle took ~28 µs of CPU to build and compile it, bench/RESULTS.md).
    const result = this.pool
      ? await this.pool.query({ name: 'modelgarden_llm_reserve', text: RESERVE_SQL, values })
      : await this.db.execute(numberedStatement(RESERVE_SQL, values));
    return rowsOf(result).length > 0;
  }

  /**
   * Replaces a reservation's tokens by what the call used (in the windows it was counted in).
   * Settlements are gathered for up to `settleDelayMs` and written as one statement per subject and
   * window: until then the reservation stays counted, which can refuse early but never overspend.
   */
  settle(reservation: Reservation, usedTokens: number): void {
    const delta = usedTokens - reservation.tokens;
    if (delta === 0) return;
    const key = `${reservation.subject}\u0000${reservation.minuteStart}\u0000${reservation.dayStart}\u0000${reservation.monthStart}`;
    const pending = this.pending.get(key);
    if (pending) pending.delta += delta;
    else this.pending.set(key, { reservation, delta });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((err) => this.onError(err));
    }, this.settleDelayMs);
    this.timer.unref?.();
  }

  /** Writes the gathered settlements now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    const c = llmCounters;
    for (const { reservation: r, delta } of batch)
      await this.db.execute(sql`
        update ${c} set
          minute_tokens = case when ${c.minuteStart} = ${r.minuteStart} then greatest(${c.minuteTokens} + ${delta}, 0) else ${c.minuteTokens} end,
          day_tokens = case when ${c.dayStart} = ${r.dayStart} then greatest(${c.dayTokens} + ${delta}, 0) else ${c.dayTokens} end,
          month_tokens = case when ${c.monthStart} = ${r.monthStart} then greatest(${c.monthTokens} + ${delta}, 0) else ${c.monthTokens} end
        where ${c.subject} = ${r.subject}`);
  }

  /** What a subject has used in the current windows. */
  async usage(subject: string): Promise<{
    minuteRequests: number;
    minuteTokens: number;
    dayTokens: number;
    monthTokens: number;
  }> {
    await this.flush();
    const w = windowsAt(this.now());
    const [row] = rowsOf<CounterRow>(
      await this.db.execute(sql`select * from ${llmCounters} where subject = ${subject}`),
    );
    if (!row) return { minuteRequests: 0, minuteTokens: 0, dayTokens: 0, monthTokens: 0 };
    const same = (start: string | number, at: number) => Number(start) === at;
    return {
      minuteRequests: same(row.minute_start, w.minuteStart) ? Number(row.minute_requests) : 0,
      minuteTokens: same(row.minute_start, w.minuteStart) ? Number(row.minute_tokens) : 0,
      dayTokens: same(row.day_start, w.dayStart) ? Number(row.day_tokens) : 0,
      monthTokens: same(row.month_start, w.monthStart) ? Number(row.month_tokens) : 0,
    };
  }

  /** Which limit refused (read after the fact; the refusal itself was atomic). */
  private async explain(subject: string, limits: LlmLimits, tokens: number, w: Windows) {
    const refused = exceeded(limits, await this.usage(subject), tokens);
    if (refused) return limitRefusal(refused[0], w, tokens, refused[1], this.now());
    // A concurrent request took the room between the two statements: the minute's is the likely one.
    return limitRefusal('tokensPerMinute', w, tokens, n(limits.tokensPerMinute) ?? 0, this.now());
  }
}

/** Throws the refusal for a request no window could ever admit (bigger than a whole limit). */
export function refuseImpossible(limits: LlmLimits, tokens: number, w: Windows, now: number): void {
  for (const name of ['tokensPerMinute', 'tokensPerDay', 'tokensPerMonth'] as const) {
    const limit = limits[name];
    if (limit !== undefined && tokens > limit) throw limitRefusal(name, w, tokens, limit, now);
  }
  if (limits.requestsPerMinute !== undefined && limits.requestsPerMinute < 1)
    throw limitRefusal('requestsPerMinute', w, tokens, limits.requestsPerMinute, now);
}

/** The first limit that one more request of `tokens` would break, with its value; undefined when all allow it. */
export function exceeded(
  limits: LlmLimits,
  used: { minuteRequests: number; minuteTokens: number; dayTokens: number; monthTokens: number },
  tokens: number,
): [keyof LlmLimits, number] | undefined {
  const checks = [
    ['requestsPerMinute', limits.requestsPerMinute, used.minuteRequests + 1],
    ['tokensPerMinute', limits.tokensPerMinute, used.minuteTokens + tokens],
    ['tokensPerDay', limits.tokensPerDay, used.dayTokens + tokens],
    ['tokensPerMonth', limits.tokensPerMonth, used.monthTokens + tokens],
  ] as const;
  for (const [name, limit, wanted] of checks) if (limit !== undefined && wanted > limit) return [name, limit];
  return undefined;
}

/** The 429 for a limit: RATE_LIMITED per minute, BUDGET_EXCEEDED per day or month, with the time until its window ends. */
export function limitRefusal(
  limit: keyof LlmLimits,
  w: Windows,
  tokens: number,
  value: number,
  now: number,
): ModelGardenError {
  const ends = limit === 'tokensPerDay' ? w.dayEnd : limit === 'tokensPerMonth' ? w.monthEnd : w.minuteEnd;
  const retryAfterMs = Math.max(1000, ends - now);
  const budget = limit === 'tokensPerDay' || limit === 'tokensPerMonth';
  const what =
    limit === 'requestsPerMinute'
      ? `${value} requests per minute`
      : `${value} tokens per ${limit === 'tokensPerMinute' ? 'minute' : limit === 'tokensPerDay' ? 'day' : 'month'}`;
  return new ModelGardenError(
    budget ? 'BUDGET_EXCEEDED' : 'RATE_LIMITED',
    `${budget ? 'Token budget' : 'Rate limit'} reached: ${what}` +
      (limit === 'requestsPerMinute' ? '' : ` (this request reserves ${tokens} tokens)`),
    { details: { limit, value, retryAfterMs, reservedTokens: tokens } },
  );
}
