/**
 * The row and advisory locks that serialise registry changes: pushes, alias moves and deletes of one
 * model take the model's row lock; anything that adds or removes a reference to an artifact takes
 * its sha256's advisory lock.
 */
import { eq, sql } from 'drizzle-orm';
import { models } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Queryable } from './alias-store.js';

export type ModelRow = typeof models.$inferSelect;

/** Takes the row lock that serialises pushes, alias moves and deletes of one model. */
export async function lockModel(tx: Queryable, name: string): Promise<ModelRow> {
  const [model] = await tx.select().from(models).where(eq(models.name, name)).for('update');
  if (!model)
    throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, { details: { model: name } });
  return model;
}

/** Serialises everything that adds or removes a reference to one artifact (push vs delete). */
export async function lockArtifact(tx: Queryable, sha256: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${sha256}))`);
}
