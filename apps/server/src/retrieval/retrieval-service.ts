/**
 * The knowledge bases' one entry point (`ctx.retrieval`): collections with the models' access rules,
 * uploads (extracted and checked at once, so a bad file is a 4xx; chunked and embedded in the
 * background by the ingestion worker), search (full text, or hybrid with an embeddings model) and
 * the retrieval evaluation. Used by the REST routes and by anything else that retrieves (chat).
 */
import type { Principal } from '../auth/principal.js';
import type {
  Collection,
  CollectionDocument,
  CreateCollection,
  EvalQuestion,
  EvalResponse,
  SearchResponse,
  UploadedDocument,
} from '../contract/retrieval-schemas.js';
import type { Db } from '../db/database.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { type CollectionRef, CollectionStore } from './collection-store.js';
import { evaluate, type Ranker } from './evaluate.js';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits, extractText } from './extract.js';
import { highlightsFor } from './highlights.js';
import { type Embedder, type IngestOptions, IngestWorker } from './ingest-worker.js';
import { fuse, type RankedChunk, searchAllWords, searchFullText } from './search.js';
import {
  detectVectorSupport,
  ExactVectors,
  ensureHnswIndex,
  HNSW_MAX_DIMENSIONS,
  searchHnsw,
  type VectorSupport,
} from './vector-index.js';

export interface RetrievalOptions {
  /** The gateway model new collections embed with (`<provider>/<id>` or an alias); none: full text only. */
  embeddingModel?: string | null | undefined;
  embed?: Embedder | undefined;
  maxDocumentBytes: number;
  extract?: ExtractLimits;
  ingest?: Partial<IngestOptions>;
  /** Where vectors are ranked, once known (context.ts logs it: the fallback is said in the log). */
  onVectorSupport?: (support: VectorSupport) => void;
}

export const DEFAULT_K = 5;
const NO_HIGHLIGHTS = { highlights: [], headingHighlights: [] };

export class RetrievalService {
  readonly collections: CollectionStore;
  readonly worker: IngestWorker;
  private readonly embeddingModel: string | null;
  private vectors: Promise<VectorSupport> | undefined;
  private readonly indexed = new Set<string>();
  private readonly exact: ExactVectors;
  /** The largest upload accepted (the route's multipart limit). */
  readonly maxDocumentBytes: number;

  constructor(
    private readonly db: Db,
    private readonly options: RetrievalOptions,
  ) {
    this.collections = new CollectionStore(db);
    this.exact = new ExactVectors(db);
    this.maxDocumentBytes = options.maxDocumentBytes;
    this.embeddingModel = options.embed ? (options.embeddingModel ?? null) : null;
    this.worker = new IngestWorker(db, {
      ...options.ingest,
      embed: options.embed,
      prepareVectors: (collectionId, dimensions) => this.prepareVectors(collectionId, dimensions),
    });
  }

  /**
   * pgvector's HNSW, or exact ranking over the stored arrays and why (detected once, only when an
   * embeddings model is configured: full-text search needs neither).
   */
  vectorSupport(): Promise<VectorSupport> {
    this.vectors ??= detectVectorSupport(this.db).then((support) => {
      this.options.onVectorSupport?.(support);
      return support;
    });
    return this.vectors;
  }

  private async prepareVectors(collectionId: string, dimensions: number): Promise<void> {
    const key = `${collectionId}/${dimensions}`;
    if (this.indexed.has(key) || dimensions > HNSW_MAX_DIMENSIONS) return;
    if ((await this.vectorSupport()).kind === 'hnsw')
      await ensureHnswIndex(this.db, collectionId, dimensions);
    this.indexed.add(key);
  }

  create(principal: Principal, input: CreateCollection): Promise<Collection> {
    return this.collections.create(principal, input, this.embeddingModel);
  }

  /**
   * Checks and extracts the file now (INVALID_DOCUMENT, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE)
   * and queues it; the worker chunks it. The same bytes again answer the existing document.
   */
  async upload(
    principal: Principal,
    collectionName: string,
    fileName: string,
    bytes: Uint8Array,
  ): Promise<UploadedDocument> {
    const collection = await this.collections.findForChange(principal, collectionName);
    if (bytes.length > this.options.maxDocumentBytes)
      throw new ModelGardenError(
        'PAYLOAD_TOO_LARGE',
        `A document may be at most ${this.options.maxDocumentBytes} bytes`,
        { details: { limit: this.options.maxDocumentBytes } },
      );
    if (bytes.length === 0) throw new ModelGardenError('INVALID_DOCUMENT', `"${fileName}" is empty`);
    const size = bytes.length;
    const extracted = await extractText(fileName, bytes, this.options.extract ?? DEFAULT_EXTRACT_LIMITS);
    const { document, duplicate } = await this.collections.addDocument(collection, fileName, size, extracted);
    if (!duplicate) this.worker.wake();
    return { id: document.id, status: document.status, duplicate };
  }

  async listDocuments(principal: Principal, name: string): Promise<CollectionDocument[]> {
    return this.collections.listDocuments(await this.collections.find(principal, name));
  }

  async getDocument(principal: Principal, name: string, id: string): Promise<CollectionDocument> {
    return this.collections.getDocument(await this.collections.find(principal, name), id);
  }

  async deleteDocument(principal: Principal, name: string, id: string): Promise<void> {
    await this.collections.deleteDocument(await this.collections.findForChange(principal, name), id);
  }

  /** `highlights: false`: every result's highlights empty, not computed (chat shows none). */
  async search(
    principal: Principal,
    name: string,
    query: string,
    k = DEFAULT_K,
    options: { highlights?: boolean } = {},
  ): Promise<SearchResponse> {
    const collection = await this.collections.find(principal, name);
    const hybrid = this.hybridFor(collection);
    const ranked = hybrid
      ? await this.hybrid(collection, query, k)
      : await this.fullText(collection, query, k);
    const marked = options.highlights === false ? new Map() : await highlightsFor(this.db, query, ranked);
    return {
      mode: hybrid ? 'hybrid' : 'fts',
      results: ranked.map(({ id, ...r }) => ({ ...r, ...(marked.get(id) ?? NO_HIGHLIGHTS) })),
    };
  }

  /** recall@1, recall@5 and MRR of this collection's search, a plain BM25 and the AND query. */
  async evaluate(principal: Principal, name: string, questions: EvalQuestion[]): Promise<EvalResponse> {
    const collection = await this.collections.find(principal, name);
    const ids = (list: RankedChunk[]) => list.map((c) => c.id);
    const rankers: Array<[string, Ranker]> = [
      ['fts', async (q, k) => ids(await this.fullText(collection, q, k))],
    ];
    if (this.hybridFor(collection))
      rankers.push(['hybrid', async (q, k) => ids(await this.hybrid(collection, q, k))]);
    rankers.push(['all-words', async (q, k) => ids(await searchAllWords(this.db, collection.id, q, k))]);
    return evaluate(this.db, collection.id, questions, rankers);
  }

  private hybridFor(collection: CollectionRef): boolean {
    return collection.embeddingModel !== null && this.options.embed !== undefined;
  }

  private fullText(collection: CollectionRef, query: string, k: number): Promise<RankedChunk[]> {
    return searchFullText(this.db, collection.id, query, k);
  }

  private async hybrid(collection: CollectionRef, query: string, k: number): Promise<RankedChunk[]> {
    const depth = Math.max(20, k * 4);
    const [vector] = await this.options.embed!(collection.embeddingModel!, [query]);
    const [text, near] = await Promise.all([
      this.fullText(collection, query, depth),
      vector ? this.nearest(collection, vector, depth) : Promise.resolve([]),
    ]);
    return fuse([text, near], k);
  }

  /**
   * The chunks nearest to `vector`: through the collection's HNSW index where pgvector is, else
   * exactly (in memory, vector-index.ts ExactVectors).
   */
  async nearest(collection: CollectionRef, vector: number[], k: number): Promise<RankedChunk[]> {
    const hnsw = (await this.vectorSupport()).kind === 'hnsw' && vector.length <= HNSW_MAX_DIMENSIONS;
    return hnsw
      ? searchHnsw(this.db, collection.id, vector, k)
      : this.exact.nearest(collection.id, vector, k);
  }

  async start(exclusiveDatabase: boolean): Promise<void> {
    if (this.embeddingModel) await this.vectorSupport();
    await this.worker.start(exclusiveDatabase);
  }

  close(): Promise<void> {
    return this.worker.stop();
  }
}
