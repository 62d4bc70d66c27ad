/**
 * Stored answers for `Idempotency-Key` requests (IETF httpapi idempotency-key draft): the first
 * request claims the key with its fingerprint, then records its answer; a replay gets that answer.
 * Keys live 24 hours; a claim whose request died without an answer is released after 10 minutes.
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { idempotencyKeys } from './schema.js';

export const KEY_TTL_MS = 24 * 60 * 60_000;
const ABANDONED_MS = 10 * 60_000;

export type Claim =
  | { state: 'claimed' }
  | { state: 'replay'; status: number; contentType: string | null; body: string }
  | { state: 'mismatch' }
  | { state: 'in-progress' };

export class IdempotencyStore {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims a key for a request with this fingerprint, or says why it cannot run. */
  async claim(key: string, fingerprint: string): Promise<Claim> {
    await this.purgeExpired();
    const inserted = await this.db
      .insert(idempotencyKeys)
      .values({ key, fingerprint })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length > 0) return { state: 'claimed' };
    const [row] = await this.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).limit(1);
    if (!row) return this.claim(key, fingerprint);
    if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (row.status === null) {
      const abandoned = row.createdAt.getTime() < this.now() - ABANDONED_MS;
      if (!abandoned) return { state: 'in-progress' };
      const retaken = await this.db
        .update(idempotencyKeys)
        .set({ createdAt: sql`now()` })
        .where(
          and(
            eq(idempotencyKeys.key, key),
            isNull(idempotencyKeys.status),
            eq(idempotencyKeys.createdAt, row.createdAt),
          ),
        )
        .returning({ key: idempotencyKeys.key });
      return retaken.length > 0 ? { state: 'claimed' } : { state: 'in-progress' };
    }
    return { state: 'replay', status: row.status, contentType: row.contentType, body: row.body ?? '' };
  }

  async complete(
    key: string,
    answer: { status: number; contentType: string | null; body: string },
  ): Promise<void> {
    await this.db.update(idempotencyKeys).set(answer).where(eq(idempotencyKeys.key, key));
  }

  /** Releases a claim whose request failed on the server's side, so a retry may run. */
  async release(key: string): Promise<void> {
    await this.db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.key, key), isNull(idempotencyKeys.status)));
  }

  private async purgeExpired(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now - KEY_TTL_MS)));
  }
}
