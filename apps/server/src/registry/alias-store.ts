/**
 * Alias rows and their history in the database. Every write goes through writeAlias, which records
 * the move (from, to, action, actor) in the same transaction as the change itself.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, aliasHistory } from '../db/schema.js';
import type { AliasAction, AliasHistoryEntry, AliasInfo, AliasRoute } from './types.js';

type AliasRow = typeof aliases.$inferSelect;
type HistoryRow = typeof aliasHistory.$inferSelect;

/** A transaction or the database itself: both run the same queries. */
export type Queryable = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export function routeOfRow(row: AliasRow): AliasRoute {
  return {
    targets: row.split && row.split.length > 0 ? row.split : [{ version: row.version, weight: 100 }],
    shadow: row.shadow ?? null,
  };
}

export function aliasInfo(model: string, row: AliasRow): AliasInfo {
  return {
    model,
    alias: row.alias,
    version: row.version,
    ...routeOfRow(row),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function readAlias(db: Queryable, modelId: number, alias: string): Promise<AliasRow | null> {
  const [row] = await db
    .select()
    .from(aliases)
    .where(and(eq(aliases.modelId, modelId), eq(aliases.alias, alias)))
    .limit(1);
  return row ?? null;
}

/** Sets (or, with `to` null, removes) an alias and appends the move to its history. */
export async function writeAlias(
  db: Queryable,
  change: {
    modelId: number;
    alias: string;
    from: AliasRoute | null;
    to: AliasRoute | null;
    action: AliasAction;
    actor: string | null;
  },
): Promise<AliasRow | null> {
  const { modelId, alias, to } = change;
  let row: AliasRow | null = null;
  if (to) {
    const values = {
      version: to.targets[0]!.version,
      split: to.targets.length > 1 ? to.targets : null,
      shadow: to.shadow,
    };
    [row] = (await db
      .insert(aliases)
      .values({ modelId, alias, ...values })
      .onConflictDoUpdate({
        target: [aliases.modelId, aliases.alias],
        set: { ...values, updatedAt: sql`now()` },
      })
      .returning()) as [AliasRow];
  } else {
    await db.delete(aliases).where(and(eq(aliases.modelId, modelId), eq(aliases.alias, alias)));
  }
  await db.insert(aliasHistory).values({
    modelId,
    alias,
    action: change.action,
    fromRoute: change.from,
    toRoute: change.to,
    actor: change.actor,
  });
  return row;
}

export async function latestHistory(
  db: Queryable,
  modelId: number,
  alias: string,
): Promise<HistoryRow | null> {
  const [row] = await db
    .select()
    .from(aliasHistory)
    .where(and(eq(aliasHistory.modelId, modelId), eq(aliasHistory.alias, alias)))
    .orderBy(desc(aliasHistory.id))
    .limit(1);
  return row ?? null;
}

export function historyEntry(model: string, row: HistoryRow): AliasHistoryEntry {
  return {
    id: row.id,
    model,
    alias: row.alias,
    action: row.action as AliasAction,
    from: row.fromRoute ?? null,
    to: row.toRoute ?? null,
    fromVersion: row.fromRoute?.targets[0]?.version ?? null,
    toVersion: row.toRoute?.targets[0]?.version ?? null,
    actor: row.actor,
    at: row.createdAt.toISOString(),
  };
}

export async function listHistory(
  db: Queryable,
  model: { id: number; name: string },
  alias: string,
  limit: number,
): Promise<AliasHistoryEntry[]> {
  const rows = await db
    .select()
    .from(aliasHistory)
    .where(and(eq(aliasHistory.modelId, model.id), eq(aliasHistory.alias, alias)))
    .orderBy(desc(aliasHistory.id))
    .limit(limit);
  return rows.map((r) => historyEntry(model.name, r));
}
