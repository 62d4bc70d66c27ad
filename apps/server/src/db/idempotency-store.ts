/**
 * Stored answers for `Idempotency-Key` requests (IETF httpapi idempotency-key draft): the first
 * request claims the key with its fingerprint, then records its answer; a replay gets that answer.
 * Keys live 24 hours; a claim whose request died without an answer is released after 10 minutes.
 *
 * An upload's fingerprint is known only once its body has streamed, so it claims the key with a
 * provisional token (`claimUpload`) and swaps in the real fingerprint (`settle`) before it changes
 * anything. Completing and releasing name the fingerprint the row holds, so a request never
 * touches a claim that another request took over.
 *
 * Every key is the caller's own (`caller`: who sent it, e.g. `user:7`, `key:12`, `admin-key`): the
 * same key sent by another caller is another key, so no caller reads or blocks another's answer.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from './database.js';
import { idempotencyKeys } from './schema.js';

export const KEY_TTL_MS = 24 * 60 * 60_000;
const ABANDONED_MS = 10 * 60_000;
/** Prefix of a provisional fingerprint (real ones are sha256 hex, so they never start with it). */
const PROVISIONAL = 'provisional:';

export interface StoredAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export type Claim =
  | { state: 'claimed' }
  | ({ state: 'replay' } & StoredAnswer)
  | { state: 'mismatch' }
  | { state: 'in-progress' };

export type UploadClaim =
  /** The key is this request's; `token` is the provisional fingerprint to settle or release. */
  | { state: 'claimed'; token: string }
  /** The key was answered: the upload's fingerprint decides between this answer and 422. */
  | { state: 'answered'; fingerprint: string; answer: StoredAnswer }
  | { state: 'in-progress' };

type Row = typeof idempotencyKeys.$inferSelect;

/** The row of this caller's key. */
const keyRow = (caller: string, key: string) =>
  and(eq(idempotencyKeys.caller, caller), eq(idempotencyKeys.key, key));

/** The row of a claim that this fingerprint holds and that has no answer yet. */
const openClaim = (caller: string, key: string, fingerprint: string) =>
  and(keyRow(caller, key), eq(idempotencyKeys.fingerprint, fingerprint), isNull(idempotencyKeys.status));

export class IdempotencyStore {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims a key for a request with this fingerprint, or says why it cannot run. */
  async claim(caller: string, key: string, fingerprint: string): Promise<Claim> {
    const row = await this.insertOrRead(caller, key, fingerprint);
    if (!row) return { state: 'claimed' };
    const running = row.status === null;
    // A provisional claim (an upload still streaming) has no fingerprint to compare yet.
    if (row.fingerprint !== fingerprint && !(running && row.fingerprint.startsWith(PROVISIONAL))) {
      return { state: 'mismatch' };
    }
    if (running) {
      return (await this.retakeAbandoned(row, fingerprint)) ? { state: 'claimed' } : { state: 'in-progress' };
    }
    return { state: 'replay', ...answerOf(row) };
  }

  /** Claims a key for an upload whose fingerprint is not known yet (see `settle`). */
  async claimUpload(caller: string, key: string): Promise<UploadClaim> {
    const token = `${PROVISIONAL}${randomUUID()}`;
    const row = await this.insertOrRead(caller, key, token);
    if (!row) return { state: 'claimed', token };
    if (row.status === null) {
      return (await this.retakeAbandoned(row, token))
        ? { state: 'claimed', token }
        : { state: 'in-progress' };
    }
    return { state: 'answered', fingerprint: row.fingerprint, answer: answerOf(row) };
  }

  /**
   * Replaces an upload's provisional token with its real fingerprint; false when the claim is no
   * longer this request's (released or taken over), in which case it must not go on.
   */
  async settle(caller: string, key: string, token: string, fingerprint: string): Promise<boolean> {
    const settled = await this.db
      .update(idempotencyKeys)
      .set({ fingerprint })
      .where(openClaim(caller, key, token))
      .returning({ key: idempotencyKeys.key });
    return settled.length > 0;
  }

  /** Records the answer of the claim that holds this fingerprint. */
  async complete(caller: string, key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set(answer)
      .where(openClaim(caller, key, fingerprint));
  }

  /** Releases a claim (this fingerprint's) whose request failed on the server's side, so a retry may run. */
  async release(caller: string, key: string, fingerprint: string): Promise<void> {
    await this.db.delete(idempotencyKeys).where(openClaim(caller, key, fingerprint));
  }

  /** Inserts the claim; answers the row already there when the key is taken. */
  private async insertOrRead(caller: string, key: string, fingerprint: string): Promise<Row | undefined> {
    await this.purgeExpired();
    const inserted = await this.db
      .insert(idempotencyKeys)
      .values({ caller, key, fingerprint })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length > 0) return undefined;
    const [row] = await this.db.select().from(idempotencyKeys).where(keyRow(caller, key)).limit(1);
    // Released between the insert and the select: try again.
    return row ?? this.insertOrRead(caller, key, fingerprint);
  }

  /** Takes over a claim whose request died without an answer or a release, with this fingerprint. */
  private async retakeAbandoned(row: Row, fingerprint: string): Promise<boolean> {
    const cutoff = new Date(this.now() - ABANDONED_MS);
    if (row.createdAt >= cutoff) return false;
    // Compare-and-swap on the row as read (still unanswered, same holder, still old): of two
    // requests retaking it at once, the second finds the fresh createdAt and loses.
    const retaken = await this.db
      .update(idempotencyKeys)
      .set({ fingerprint, createdAt: new Date(this.now()) })
      .where(
        and(
          keyRow(row.caller, row.key),
          isNull(idempotencyKeys.status),
          eq(idempotencyKeys.fingerprint, row.fingerprint),
          lt(idempotencyKeys.createdAt, cutoff),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    return retaken.length > 0;
  }

  private async purgeExpired(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now - KEY_TTL_MS)));
  }
}

const answerOf = (row: Row): StoredAnswer => ({
  status: row.status ?? 0,
  contentType: row.contentType,
  body: row.body ?? '',
});
