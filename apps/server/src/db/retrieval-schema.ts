/**
 * Drizzle schema: knowledge-base collections (an owner and the same public / team-private access as
 * models), their documents (the extracted text waits in the row while the document is `processing`:
 * the row is the ingestion job) and the documents' chunks with a weighted full-text vector (heading A,
 * text B) and, when an embeddings model is configured, their embedding as a float array.
 */
import {
  bigserial,
  customType,
  index,
  integer,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './auth-schema.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const collections = pgTable('collections', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** The user who created it; null for the bootstrap key, an anonymous loopback caller or the seed. */
  ownerId: integer('owner_id').references(() => users.id, { onDelete: 'set null' }),
  owner: text('owner'),
  /** `public` or `team`, as models (auth/authorize.ts decides). */
  visibility: text('visibility').notNull().default('public'),
  team: text('team'),
  /** The embeddings model its chunks were embedded with, when one was configured. */
  embeddingModel: text('embedding_model'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `text/plain`, `text/markdown`, `text/html`, `application/pdf`. */
    mediaType: text('media_type').notNull(),
    /** Of the uploaded bytes: the same file twice in one collection is one document. */
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    /** `processing` | `ready` | `failed`. */
    status: text('status').notNull().default('processing'),
    error: text('error'),
    /** The extracted text (markdown-ish: `#` headings), kept until the chunks are written. */
    pendingText: text('pending_text'),
    attempts: integer('attempts').notNull().default(0),
    /** A worker's claim; a claim past it (the worker died) is taken again. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    chunkCount: integer('chunk_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('documents_collection_sha_idx').on(t.collectionId, t.sha256),
    index('documents_pending_idx').on(t.status, t.leaseUntil),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull(),
    /** The heading path above the chunk ("Retrieval › Search"), with the document's name first. */
    heading: text('heading').notNull(),
    text: text('text').notNull(),
    /**
     * Written with the chunk (retrieval/ingest-worker.ts): the heading weighted A, the text B, each
     * with the words of its code-like tokens appended (retrieval/search-text.ts).
     */
    tsv: tsvector('tsv').notNull(),
    embedding: real('embedding').array(),
  },
  (t) => [
    uniqueIndex('chunks_document_idx').on(t.documentId, t.chunkIndex),
    index('chunks_collection_idx').on(t.collectionId),
    index('chunks_tsv_idx').using('gin', t.tsv),
  ],
);

export const retrievalSchema = { collections, documents, chunks };
