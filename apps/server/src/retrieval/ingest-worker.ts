/**
 * Ingestion as background jobs whose queue is the documents table itself: a `processing` row is a
 * job. A worker claims one with `FOR UPDATE SKIP LOCKED` (replicas over one PostgreSQL never take the
 * same row) and a lease, chunks (and embeds) its text, then writes every chunk and the `ready` status
 * in one transaction that first checks it still holds the claim — so a crash leaves either the whole
 * document or none of it, and the row is simply taken again once its lease is over (at once on the
 * embedded database, which no other process shares). A document that failed `maxAttempts` times is
 * `failed` with the last error; a bad document (no chunks) fails at once, and one claimed more than
 * `maxAttempts` times (the worker died each time, so no error was recorded) fails when next claimed.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { chunks, collections, documents } from '../db/retrieval-schema.js';
import { type ChunkOptions, chunkText, DEFAULT_CHUNKING } from './chunking.js';
import { searchText } from './search-text.js';

/** Turns passages into vectors (the LLM gateway's embeddings, wired in context.ts). */
export type Embedder = (model: string, texts: string[]) => Promise<number[][]>;

export interface IngestOptions {
  chunking: ChunkOptions;
  /** How long a claim holds before another worker may take the document. */
  leaseMs: number;
  maxAttempts: number;
  /** How often the queue is looked at when nothing woke the worker. */
  pollMs: number;
  embed?: Embedder | undefined;
  /** Before a document's vectors are written: make the collection's vector index ready for them. */
  prepareVectors?: ((collectionId: string, dimensions: number) => Promise<void>) | undefined;
  onError?: (err: unknown, documentId: string) => void;
  /**
   * After each batch of chunks is inserted, inside the document's still-open transaction (so nobody
   * else sees them yet): how many of `total` are written. Awaited.
   */
  onProgress?: (documentId: string, written: number, total: number) => void | Promise<void>;
}

export const DEFAULT_INGEST: IngestOptions = {
  chunking: DEFAULT_CHUNKING,
  leaseMs: 5 * 60_000,
  maxAttempts: 3,
  pollMs: 1000,
};

const INSERT_BATCH = 200;
const EMBED_BATCH = 64;

interface Claim {
  id: string;
  collectionId: string;
  name: string;
  text: string;
  attempts: number;
  leaseUntil: Date;
  embeddingModel: string | null;
}

export class IngestWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Background runs happen only between start() and stop(); drain() also works before start(). */
  private started = false;
  private stopped = false;
  private readonly options: IngestOptions;

  constructor(
    private readonly db: Db,
    options: Partial<IngestOptions> = {},
  ) {
    this.options = { ...DEFAULT_INGEST, ...options };
  }

  /**
   * Starts polling. `exclusive` (the embedded database): claims left by a previous run of this
   * process are released at once instead of waiting for their lease.
   */
  async start(exclusive: boolean): Promise<void> {
    if (exclusive)
      await this.db.update(documents).set({ leaseUntil: null }).where(eq(documents.status, 'processing'));
    this.stopped = false;
    this.started = true;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks at the queue now (after an upload), once started. */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves when no document is waiting (after a background run in progress) — tests, the seed. */
  async drain(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
    await this.loop();
  }

  private async loop(): Promise<void> {
    let ingested = 0;
    for (;;) {
      if (this.stopped) return;
      const claim = await this.claim();
      if (!claim) {
        // Fresh planner statistics once a batch of documents is in: the embedded database has no
        // autovacuum, and search's plan (GIN or a scan, per term) depends on them.
        if (ingested > 0) await this.db.execute(sql`analyze chunks`).catch(() => {});
        return;
      }
      ingested++;
      // Claimed more often than it may be tried: earlier runs died mid-document (killed, out of
      // memory) without recording a failure. Stop here rather than crash again on every start.
      if (claim.attempts > this.options.maxAttempts)
        await this.fail(
          claim,
          `ingestion was interrupted ${claim.attempts - 1} times (the process stopped mid-document)`,
        );
      else await this.process(claim);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  private async claim(): Promise<Claim | null> {
    const leaseUntil = new Date(Date.now() + this.options.leaseMs);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({
          id: documents.id,
          collectionId: documents.collectionId,
          name: documents.name,
          text: documents.pendingText,
          attempts: documents.attempts,
          embeddingModel: collections.embeddingModel,
        })
        .from(documents)
        .innerJoin(collections, eq(collections.id, documents.collectionId))
        .where(
          and(
            eq(documents.status, 'processing'),
            or(isNull(documents.leaseUntil), lt(documents.leaseUntil, sql`now()`)),
          ),
        )
        .orderBy(documents.createdAt)
        .limit(1)
        .for('update', { of: documents, skipLocked: true });
      if (!row) return null;
      await tx
        .update(documents)
        .set({ leaseUntil, attempts: row.attempts + 1 })
        .where(eq(documents.id, row.id));
      return { ...row, text: row.text ?? '', attempts: row.attempts + 1, leaseUntil };
    });
  }

  private async process(claim: Claim): Promise<void> {
    try {
      const parts = chunkText(claim.text, claim.name, this.options.chunking);
      if (parts.length === 0) return await this.fail(claim, 'the document holds no text to index');
      const vectors =
        claim.embeddingModel && this.options.embed
          ? await this.embedAll(
              claim.embeddingModel,
              parts.map((p) => `${p.heading}\n\n${p.text}`),
            )
          : null;
      const dimensions = vectors?.[0]?.length;
      if (dimensions) await this.options.prepareVectors?.(claim.collectionId, dimensions);
      await this.db.transaction(async (tx) => {
        // Still ours? (a lease that ran out may have been taken by another worker, or the row deleted)
        const [held] = await tx
          .select({ id: documents.id })
          .from(documents)
          .where(
            and(
              eq(documents.id, claim.id),
              eq(documents.status, 'processing'),
              eq(documents.leaseUntil, claim.leaseUntil),
            ),
          )
          .for('update');
        if (!held) return;
        for (let i = 0; i < parts.length; i += INSERT_BATCH) {
          await tx.insert(chunks).values(
            parts.slice(i, i + INSERT_BATCH).map((p, j) => ({
              documentId: claim.id,
              collectionId: claim.collectionId,
              chunkIndex: i + j,
              heading: p.heading,
              text: p.text,
              tsv: sql`setweight(to_tsvector('english', ${searchText(p.heading)}), 'A') || setweight(to_tsvector('english', ${searchText(p.text)}), 'B')`,
              embedding: vectors?.[i + j] ?? null,
            })),
          );
          await this.options.onProgress?.(claim.id, Math.min(i + INSERT_BATCH, parts.length), parts.length);
        }
        await tx
          .update(documents)
          .set({
            status: 'ready',
            chunkCount: parts.length,
            pendingText: null,
            leaseUntil: null,
            error: null,
            updatedAt: new Date(),
          })
          .where(eq(documents.id, claim.id));
      });
    } catch (err) {
      this.options.onError?.(err, claim.id);
      if (claim.attempts >= this.options.maxAttempts)
        await this.fail(
          claim,
          `ingestion failed ${claim.attempts} times: ${String(err instanceof Error ? err.message : err)}`,
        );
      else
        await this.db // let it be taken again at once
          .update(documents)
          .set({ leaseUntil: null })
          .where(and(eq(documents.id, claim.id), eq(documents.leaseUntil, claim.leaseUntil)))
          .catch(() => {});
    }
  }

  private async embedAll(model: string, texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH)
      out.push(...(await this.options.embed!(model, texts.slice(i, i + EMBED_BATCH))));
    return out;
  }

  private async fail(claim: Claim, reason: string): Promise<void> {
    await this.db
      .update(documents)
      .set({
        status: 'failed',
        error: reason.slice(0, 2000),
        pendingText: null,
        leaseUntil: null,
        updatedAt: new Date(),
      })
      .where(and(eq(documents.id, claim.id), eq(documents.leaseUntil, claim.leaseUntil)));
  }
}
