/** The audit log: who changed what in the registry or among users and keys, when, and from where. */
import { and, desc, eq, gte, like, lt, lte, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { auditEntrySchema } from '../contract/auth-schemas.js';
import { auditLog } from '../db/auth-schema.js';
import type { Db } from '../db/database.js';

export type AuditEntry = z.infer<typeof auditEntrySchema>;

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditQuery {
  actor?: string | undefined;
  action?: string | undefined;
  /** Prefix of the target, e.g. `model:iris`. */
  target?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Entries with an id below this (the previous page's `nextCursor`). */
  cursor?: number | undefined;
  limit?: number | undefined;
}

export class AuditLog {
  constructor(private readonly db: Db) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await this.db.insert(auditLog).values(entry);
  }

  async list(query: AuditQuery = {}): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
    const limit = query.limit ?? 100;
    const where: SQL[] = [];
    if (query.actor) where.push(eq(auditLog.actor, query.actor));
    if (query.action) where.push(eq(auditLog.action, query.action));
    if (query.target) where.push(like(auditLog.target, `${query.target.replace(/[%_\\]/g, '\\$&')}%`));
    if (query.from) where.push(gte(auditLog.at, query.from));
    if (query.to) where.push(lte(auditLog.at, query.to));
    if (query.cursor) where.push(lt(auditLog.id, query.cursor));
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map((r) => ({ ...r, at: r.at.toISOString() }));
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }
}
