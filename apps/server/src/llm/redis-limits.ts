/**
 * Limits and budgets in Redis (where REDIS_URL is set): the same windows and answers as LimitStore
 * (limits.ts), one hash per subject, each reservation and settlement one Lua script, which Redis
 * runs alone, so a check-and-count is atomic across every replica that shares the Redis. A
 * reservation costs one Redis round trip (ioredis pipelines those of one tick together) instead of
 * a conditional upsert in Postgres; settlements are sent without waiting.
 */
import type { Redis } from 'ioredis';
import type { LlmLimits } from '../config/llm-config.js';
import {
  exceeded,
  hasLimits,
  type LimitCounter,
  limitRefusal,
  type Reservation,
  refuseImpossible,
  windowsAt,
} from './limits.js';

/**
 * KEYS[1]: the subject's hash. ARGV: minute, day and month start; requests and tokens to count;
 * the four limits (-1: none); the key's time to live in ms. A window that has passed counts from
 * zero. Returns {1, counts after} when counted, {0, counts now} when a limit refused.
 */
const RESERVE = `
local v = redis.call('HMGET', KEYS[1], 'ms', 'mr', 'mt', 'ds', 'dt', 'mos', 'mot')
local ms, ds, mos = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local req, tok = tonumber(ARGV[4]), tonumber(ARGV[5])
local rpm, tpm, tpd, tpmo = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local mr, mt, dt, mot = 0, 0, 0, 0
if tonumber(v[1]) == ms then mr = tonumber(v[2]) or 0; mt = tonumber(v[3]) or 0 end
if tonumber(v[4]) == ds then dt = tonumber(v[5]) or 0 end
if tonumber(v[6]) == mos then mot = tonumber(v[7]) or 0 end
if (rpm >= 0 and mr + req > rpm) or (tpm >= 0 and mt + tok > tpm) or (tpd >= 0 and dt + tok > tpd)
  or (tpmo >= 0 and mot + tok > tpmo) then
  return {0, mr, mt, dt, mot}
end
redis.call('HSET', KEYS[1], 'ms', ARGV[1], 'mr', mr + req, 'mt', mt + tok, 'ds', ARGV[2], 'dt', dt + tok,
  'mos', ARGV[3], 'mot', mot + tok)
redis.call('PEXPIRE', KEYS[1], ARGV[10])
return {1, mr + req, mt + tok, dt + tok, mot + tok}
`;

/**
 * KEYS[1]: the subject's hash. ARGV: the reservation's minute, day and month start; the tokens to
 * add (negative: given back). Only the windows the reservation was counted in change; never below 0.
 */
const SETTLE = `
local v = redis.call('HMGET', KEYS[1], 'ms', 'mt', 'ds', 'dt', 'mos', 'mot')
local d = tonumber(ARGV[4])
if v[1] and tonumber(v[1]) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'mt', math.max(0, (tonumber(v[2]) or 0) + d))
end
if v[3] and tonumber(v[3]) == tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'dt', math.max(0, (tonumber(v[4]) or 0) + d))
end
if v[5] and tonumber(v[5]) == tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'mot', math.max(0, (tonumber(v[6]) or 0) + d))
end
return 1
`;

type Counts = [
  ok: number,
  minuteRequests: number,
  minuteTokens: number,
  dayTokens: number,
  monthTokens: number,
];

interface LimitScripts {
  mgReserve(key: string, ...args: Array<string | number>): Promise<Counts>;
  mgSettle(key: string, ...args: Array<string | number>): Promise<number>;
}

export interface RedisLimitStoreOptions {
  now?: () => number;
  /** Put before each subject's key (default `modelgarden:llm:limits:`). */
  prefix?: string;
  onError?: (err: unknown) => void;
}

export class RedisLimitStore implements LimitCounter {
  private readonly redis: Redis & LimitScripts;
  private readonly now: () => number;
  private readonly prefix: string;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    redis: Redis,
    private readonly options: RedisLimitStoreOptions = {},
  ) {
    // EVALSHA, loading the script on the first NOSCRIPT (ioredis).
    redis.defineCommand('mgReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('mgSettle', { numberOfKeys: 1, lua: SETTLE });
    this.redis = redis as Redis & LimitScripts;
    this.now = options.now ?? Date.now;
    this.prefix = options.prefix ?? 'modelgarden:llm:limits:';
  }

  async reserve(subject: string, limits: LlmLimits, tokens: number): Promise<Reservation | null> {
    if (!hasLimits(limits)) return null;
    const now = this.now();
    const w = windowsAt(now);
    refuseImpossible(limits, tokens, w, now);
    const [ok, minuteRequests, minuteTokens, dayTokens, monthTokens] = await this.redis.mgReserve(
      this.prefix + subject,
      w.minuteStart,
      w.dayStart,
      w.monthStart,
      1,
      tokens,
      limits.requestsPerMinute ?? -1,
      limits.tokensPerMinute ?? -1,
      limits.tokensPerDay ?? -1,
      limits.tokensPerMonth ?? -1,
      // Kept until the month it counts is over (and a day more), then Redis drops it.
      w.monthEnd - now + 86_400_000,
    );
    if (ok === 1)
      return { subject, tokens, minuteStart: w.minuteStart, dayStart: w.dayStart, monthStart: w.monthStart };
    const refused = exceeded(limits, { minuteRequests, minuteTokens, dayTokens, monthTokens }, tokens) ?? [
      'tokensPerMinute',
      limits.tokensPerMinute ?? 0,
    ];
    throw limitRefusal(refused[0], w, tokens, refused[1], now);
  }

  settle(reservation: Reservation, usedTokens: number): void {
    const delta = usedTokens - reservation.tokens;
    if (delta === 0) return;
    const sent = this.redis
      .mgSettle(
        this.prefix + reservation.subject,
        reservation.minuteStart,
        reservation.dayStart,
        reservation.monthStart,
        delta,
      )
      .catch((err: unknown) => this.options.onError?.(err))
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  async usage(subject: string) {
    await this.flush();
    const w = windowsAt(this.now());
    const [ms, mr, mt, ds, dt, mos, mot] = await this.redis.hmget(
      this.prefix + subject,
      'ms',
      'mr',
      'mt',
      'ds',
      'dt',
      'mos',
      'mot',
    );
    const minute = Number(ms) === w.minuteStart;
    return {
      minuteRequests: minute ? Number(mr ?? 0) : 0,
      minuteTokens: minute ? Number(mt ?? 0) : 0,
      dayTokens: Number(ds) === w.dayStart ? Number(dt ?? 0) : 0,
      monthTokens: Number(mos) === w.monthStart ? Number(mot ?? 0) : 0,
    };
  }

  /** Waits for the settlements sent so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.redis.quit().catch(() => {});
  }
}
