/**
 * Collections and their documents in the database: create and list collections (filtered to what
 * the caller may see), add a document (its extracted text waits in the row, status `processing`,
 * for the ingestion worker; the same bytes twice in one collection are one document), read, list and
 * delete documents (their chunks go with them, by foreign key).
 */
import { and, count, desc, eq, or } from 'drizzle-orm';
import { changeOfAccess, viewerOf } from '../auth/authorize.js';
import { actorName, type Principal } from '../auth/principal.js';
import type { Collection, CollectionDocument, CreateCollection } from '../contract/retrieval-schemas.js';
import type { Db } from '../db/database.js';
import { chunks, collections, documents } from '../db/retrieval-schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { assertChanges, assertSees, type CollectionAccess } from './collection-access.js';
import type { Extracted } from './extract.js';
import { assertCollectionName } from './names.js';
import { dropHnswIndex } from './vector-index.js';

type CollectionRow = typeof collections.$inferSelect;
type DocumentRow = typeof documents.$inferSelect;

export interface CollectionRef extends CollectionAccess {
  id: string;
  embeddingModel: string | null;
}

function ref(row: CollectionRow): CollectionRef {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId,
    visibility: row.visibility as CollectionRef['visibility'],
    team: row.team,
    embeddingModel: row.embeddingModel,
  };
}

export function toDocument(row: DocumentRow): CollectionDocument {
  return {
    id: row.id,
    name: row.name,
    mediaType: row.mediaType,
    sha256: row.sha256,
    bytes: row.bytes,
    status: row.status as CollectionDocument['status'],
    error: row.error,
    chunks: row.chunkCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function documentNotFound(id: string): ModelGardenError {
  return new ModelGardenError('DOCUMENT_NOT_FOUND', `No document ${id} in this collection`, {
    details: { id },
  });
}

export class CollectionStore {
  constructor(private readonly db: Db) {}

  async create(
    principal: Principal,
    input: CreateCollection,
    embeddingModel: string | null,
  ): Promise<Collection> {
    assertCollectionName(input.name);
    const access = changeOfAccess(principal, null, input) ?? {
      visibility: 'public' as const,
      team: principal.kind === 'user' ? principal.team : null,
    };
    const [row] = await this.db
      .insert(collections)
      .values({
        name: input.name,
        ownerId: principal.kind === 'user' ? principal.userId : null,
        owner: actorName(principal),
        visibility: access.visibility,
        team: access.team,
        embeddingModel,
      })
      .onConflictDoNothing()
      .returning();
    if (!row)
      throw new ModelGardenError('COLLECTION_EXISTS', `Collection "${input.name}" already exists`, {
        details: { collection: input.name },
      });
    return this.describe(row);
  }

  /** The collection by name when the caller may see it; COLLECTION_NOT_FOUND otherwise (hidden alike). */
  async find(principal: Principal, name: string): Promise<CollectionRef> {
    const [row] = await this.db.select().from(collections).where(eq(collections.name, name));
    const found = row ? ref(row) : null;
    assertSees(principal, name, found);
    return found!;
  }

  /** find(), then FORBIDDEN unless the caller may change it. */
  async findForChange(principal: Principal, name: string): Promise<CollectionRef> {
    const found = await this.find(principal, name);
    assertChanges(principal, found);
    return found;
  }

  async get(principal: Principal, name: string): Promise<Collection> {
    const found = await this.find(principal, name);
    const [row] = await this.db.select().from(collections).where(eq(collections.id, found.id));
    return this.describe(row!);
  }

  /** The collections the caller may see, by name. */
  async list(principal: Principal): Promise<Collection[]> {
    const viewer = viewerOf(principal);
    const rows = await this.db
      .select()
      .from(collections)
      .where(
        viewer.all
          ? undefined
          : viewer.team === null
            ? eq(collections.visibility, 'public')
            : or(eq(collections.visibility, 'public'), eq(collections.team, viewer.team)),
      )
      .orderBy(collections.name);
    return Promise.all(rows.map((r) => this.describe(r)));
  }

  async remove(principal: Principal, name: string): Promise<void> {
    const found = await this.findForChange(principal, name);
    await this.db.delete(collections).where(eq(collections.id, found.id));
    await dropHnswIndex(this.db, found.id);
  }

  private async describe(row: CollectionRow): Promise<Collection> {
    const [docs] = await this.db
      .select({ n: count() })
      .from(documents)
      .where(eq(documents.collectionId, row.id));
    const [parts] = await this.db.select({ n: count() }).from(chunks).where(eq(chunks.collectionId, row.id));
    return {
      name: row.name,
      owner: row.owner,
      visibility: row.visibility as Collection['visibility'],
      team: row.team,
      embeddingModel: row.embeddingModel,
      documents: Number(docs?.n ?? 0),
      chunks: Number(parts?.n ?? 0),
      createdAt: row.createdAt.toISOString(),
    };
  }

  /**
   * Stores an extracted document as `processing` (the ingestion worker picks it up). The same bytes
   * already in the collection answer that document instead (`duplicate: true`).
   */
  async addDocument(
    collection: CollectionRef,
    name: string,
    bytes: number,
    extracted: Extracted,
  ): Promise<{ document: CollectionDocument; duplicate: boolean }> {
    const [row] = await this.db
      .insert(documents)
      .values({
        collectionId: collection.id,
        name: name.slice(0, 255),
        mediaType: extracted.mediaType,
        sha256: extracted.sha256,
        bytes,
        pendingText: extracted.text,
      })
      .onConflictDoNothing()
      .returning();
    if (row) return { document: toDocument(row), duplicate: false };
    const [existing] = await this.db
      .select()
      .from(documents)
      .where(and(eq(documents.collectionId, collection.id), eq(documents.sha256, extracted.sha256)));
    return { document: toDocument(existing!), duplicate: true };
  }

  async listDocuments(collection: CollectionRef): Promise<CollectionDocument[]> {
    const rows = await this.db
      .select()
      .from(documents)
      .where(eq(documents.collectionId, collection.id))
      .orderBy(desc(documents.createdAt), documents.name);
    return rows.map(toDocument);
  }

  async getDocument(collection: CollectionRef, id: string): Promise<CollectionDocument> {
    const [row] = await this.db
      .select()
      .from(documents)
      .where(and(eq(documents.collectionId, collection.id), eq(documents.id, id)));
    if (!row) throw documentNotFound(id);
    return toDocument(row);
  }

  /** Deletes the document and, by cascade in the same statement, its chunks. */
  async deleteDocument(collection: CollectionRef, id: string): Promise<void> {
    const deleted = await this.db
      .delete(documents)
      .where(and(eq(documents.collectionId, collection.id), eq(documents.id, id)))
      .returning({ id: documents.id });
    if (deleted.length === 0) throw documentNotFound(id);
  }

  /** Any documents still waiting (the demo seed waits for its own). */
  async pending(collection: CollectionRef): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(documents)
      .where(and(eq(documents.collectionId, collection.id), eq(documents.status, 'processing')));
    return Number(row?.n ?? 0);
  }

  /** The collection's row by name, without access checks (seeding and evaluation set-up). */
  async byName(name: string): Promise<CollectionRef | null> {
    const [row] = await this.db.select().from(collections).where(eq(collections.name, name));
    return row ? ref(row) : null;
  }
}
