/**
 * Listing models: search by name/description, filter by tag and task (the latest version's), and
 * paging, all in SQL so a large registry is not loaded to answer one page.
 */
import { and, asc, count, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { aliases, models, modelVersions } from '../db/schema.js';
import type { ModelPage, ModelQuery, ModelSummary, Task } from './types.js';

export const DEFAULT_PAGE_SIZE = 50;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The latest version's task, per model, as a correlated subquery. Written with explicit table names:
 * Drizzle leaves columns unqualified in single-table queries, which would bind `id` to model_versions.
 */
const latestTask = sql<string | null>`(select mv.task from model_versions mv
  where mv.model_id = "models"."id" order by mv.version desc limit 1)`;

function whereOf(query: ModelQuery): SQL | undefined {
  const conditions: SQL[] = [];
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    conditions.push(or(ilike(models.name, pattern), ilike(models.description, pattern))!);
  }
  if (query.tag) {
    const at = query.tag.indexOf(':');
    if (at === -1) conditions.push(sql`${models.tags} ->> ${query.tag} is not null`);
    else conditions.push(sql`${models.tags} ->> ${query.tag.slice(0, at)} = ${query.tag.slice(at + 1)}`);
  }
  if (query.task) conditions.push(sql`${latestTask} = ${query.task}`);
  if (query.viewer && !query.viewer.all)
    conditions.push(
      query.viewer.team === null
        ? eq(models.visibility, 'public')
        : or(eq(models.visibility, 'public'), eq(models.team, query.viewer.team))!,
    );
  return conditions.length > 0 ? and(...conditions) : undefined;
}

export async function listModels(db: Db, query: ModelQuery = {}): Promise<ModelPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const offset = query.offset ?? 0;
  const where = whereOf(query);
  const [totalRow] = await db.select({ n: count() }).from(models).where(where);
  const rows = await db
    .select({ model: models, task: latestTask })
    .from(models)
    .where(where)
    .orderBy(asc(models.name))
    .limit(limit)
    .offset(offset);
  const ids = rows.map((r) => r.model.id);
  const stats =
    ids.length === 0
      ? []
      : await db
          .select({
            modelId: modelVersions.modelId,
            latest: sql<number>`max(${modelVersions.version})`.mapWith(Number),
            n: count(),
          })
          .from(modelVersions)
          .where(inArray(modelVersions.modelId, ids))
          .groupBy(modelVersions.modelId);
  const aliasRows =
    ids.length === 0
      ? []
      : await db.select().from(aliases).where(inArray(aliases.modelId, ids)).orderBy(desc(aliases.alias));
  const summaries: ModelSummary[] = rows.map(({ model: m, task }) => {
    const s = stats.find((x) => x.modelId === m.id);
    return {
      name: m.name,
      description: m.description,
      visibility: m.visibility as ModelSummary['visibility'],
      team: m.team,
      tags: m.tags,
      task: (task as Task | null) ?? null,
      latestVersion: s?.latest ?? null,
      versionCount: s?.n ?? 0,
      aliases: Object.fromEntries(
        aliasRows.filter((a) => a.modelId === m.id).map((a) => [a.alias, a.version] as const),
      ),
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  });
  return { models: summaries, total: totalRow?.n ?? 0, limit, offset };
}

/** Whether a model of this name exists. */
export async function modelExists(db: Db, name: string): Promise<boolean> {
  const [row] = await db.select({ id: models.id }).from(models).where(eq(models.name, name)).limit(1);
  return row !== undefined;
}
