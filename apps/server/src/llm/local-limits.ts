/**
 * Limits and budgets when this process is the database's only user (embedded PGlite): the counters
 * are held in memory, where a check-and-count is atomic because it runs without an await, and
 * written back to `llm_counters` within `writeDelayMs` (and on close), so they survive a restart
 * and read the same as LimitStore's. No round trip on the request path. With a PostgreSQL server
 * (replicas share the counters) LimitStore's conditional upsert is used instead.
 */
import { sql } from 'drizzle-orm';
import type { LlmLimits } from '../config/llm-config.js';
import type { Db } from '../db/database.js';
import { llmCounters } from '../db/llm-schema.js';
import {
  exceeded,
  hasLimits,
  type LimitCounter,
  limitRefusal,
  type Reservation,
  type Windows,
  windowsAt,
} from './limits.js';

interface Counter {
  minuteStart: number;
  minuteRequests: number;
  minuteTokens: number;
  dayStart: number;
  dayTokens: number;
  monthStart: number;
  monthTokens: number;
}

export interface ExclusiveLimitStoreOptions {
  now?: () => number;
  writeDelayMs?: number;
  onError?: (err: unknown) => void;
}

export class ExclusiveLimitStore implements LimitCounter {
  private readonly counters = new Map<string, Counter | Promise<Counter>>();
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: ExclusiveLimitStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The subject's counter, read from the table once. */
  private counter(subject: string): Counter | Promise<Counter> {
    const known = this.counters.get(subject);
    if (known) return known;
    const loading = this.load(subject).then((c) => {
      this.counters.set(subject, c);
      return c;
    });
    loading.catch(() => this.counters.delete(subject));
    this.counters.set(subject, loading);
    return loading;
  }

  private async load(subject: string): Promise<Counter> {
    const [row] = (
      (await this.db.execute(sql`select * from ${llmCounters} where subject = ${subject}`)) as unknown as {
        rows: Array<Record<string, string | number>>;
      }
    ).rows;
    if (!row)
      return {
        minuteStart: 0,
        minuteRequests: 0,
        minuteTokens: 0,
        dayStart: 0,
        dayTokens: 0,
        monthStart: 0,
        monthTokens: 0,
      };
    return {
      minuteStart: Number(row.minute_start),
      minuteRequests: Number(row.minute_requests),
      minuteTokens: Number(row.minute_tokens),
      dayStart: Number(row.day_start),
      dayTokens: Number(row.day_tokens),
      monthStart: Number(row.month_start),
      monthTokens: Number(row.month_tokens),
    };
  }

  /** Moves a counter into the current windows (a passed window counts from zero). */
  private roll(c: Counter, w: Windows): void {
    if (c.minuteStart !== w.minuteStart)
      Object.assign(c, { minuteStart: w.minuteStart, minuteRequests: 0, minuteTokens: 0 });
    if (c.dayStart !== w.dayStart) Object.assign(c, { dayStart: w.dayStart, dayTokens: 0 });
    if (c.monthStart !== w.monthStart) Object.assign(c, { monthStart: w.monthStart, monthTokens: 0 });
  }

  async reserve(subject: string, limits: LlmLimits, tokens: number): Promise<Reservation | null> {
    if (!hasLimits(limits)) return null;
    const loaded = this.counter(subject);
    const c = loaded instanceof Promise ? await loaded : loaded;
    // From here to the count, no await: the check and the count are one step.
    const now = this.now();
    const w = windowsAt(now);
    this.roll(c, w);
    const refused = exceeded(limits, c, tokens);
    if (refused) throw limitRefusal(refused[0], w, tokens, refused[1], now);
    c.minuteRequests++;
    c.minuteTokens += tokens;
    c.dayTokens += tokens;
    c.monthTokens += tokens;
    this.touch(subject);
    return { subject, tokens, minuteStart: w.minuteStart, dayStart: w.dayStart, monthStart: w.monthStart };
  }

  settle(reservation: Reservation, usedTokens: number): void {
    const delta = usedTokens - reservation.tokens;
    const c = this.counters.get(reservation.subject);
    if (delta === 0 || !c || c instanceof Promise) return;
    if (c.minuteStart === reservation.minuteStart) c.minuteTokens = Math.max(0, c.minuteTokens + delta);
    if (c.dayStart === reservation.dayStart) c.dayTokens = Math.max(0, c.dayTokens + delta);
    if (c.monthStart === reservation.monthStart) c.monthTokens = Math.max(0, c.monthTokens + delta);
    this.touch(reservation.subject);
  }

  async usage(subject: string) {
    const loaded = this.counter(subject);
    const c = loaded instanceof Promise ? await loaded : loaded;
    this.roll(c, windowsAt(this.now()));
    return {
      minuteRequests: c.minuteRequests,
      minuteTokens: c.minuteTokens,
      dayTokens: c.dayTokens,
      monthTokens: c.monthTokens,
    };
  }

  private touch(subject: string): void {
    this.dirty.add(subject);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((err) => this.options.onError?.(err));
    }, this.options.writeDelayMs ?? 200);
    this.timer.unref?.();
  }

  /** Writes the changed counters now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const subjects = [...this.dirty];
    this.dirty.clear();
    for (const subject of subjects) {
      const c = this.counters.get(subject);
      if (!c || c instanceof Promise) continue;
      const values = { subject, ...c };
      await this.db
        .insert(llmCounters)
        .values(values)
        .onConflictDoUpdate({ target: llmCounters.subject, set: c });
    }
  }
}
