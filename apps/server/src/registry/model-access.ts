/**
 * Who may see a model: `public` models everyone who may read models, `team` models only that team's
 * users and admins. Looked up on every model request, so answers are cached (the registry's TTL,
 * 1 s by default, and cleared on changes made through this process).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { models } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { assertModelName } from './names.js';

/** Who may see a model: `public` models everyone who may read models, `team` models only that team's. */
export type Visibility = 'public' | 'team';
/**
 * A model's access. `team` is the model's owning team: a `team` model is visible to it alone; a
 * `public` model keeps its team, whose members may make it private again (auth/authorize.ts decides).
 */
export interface ModelAccess {
  visibility: Visibility;
  team: string | null;
}

export class ModelAccessStore {
  private readonly cache = new Map<string, { at: number; access: ModelAccess | null }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000,
    /** Called after a change of a model's access was written. */
    private readonly onSet: (name: string, access: ModelAccess) => void = () => {},
  ) {}

  /** The cached answer without waiting: `undefined` when get() would have to ask the database. */
  cached(name: string): ModelAccess | null | undefined {
    const hit = this.cache.get(name);
    return hit && Date.now() - hit.at < this.ttlMs ? hit.access : undefined;
  }

  /** The model's access, or null when there is no such model. */
  async get(name: string): Promise<ModelAccess | null> {
    const hit = this.cached(name);
    if (hit !== undefined) return hit;
    const [row] = await this.db
      .select({ visibility: models.visibility, team: models.team })
      .from(models)
      .where(eq(models.name, name))
      .limit(1);
    const access = row ? { visibility: row.visibility as Visibility, team: row.team } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, { at: Date.now(), access });
    return access;
  }

  async set(name: string, access: ModelAccess): Promise<void> {
    assertModelName(name);
    if (access.visibility === 'team' && !access.team)
      throw new ModelGardenError('INVALID_METADATA', 'A team-private model needs a team', {
        details: { field: 'team' },
      });
    const updated = await this.db
      .update(models)
      .set({ visibility: access.visibility, team: access.team })
      .where(eq(models.name, name))
      .returning({ id: models.id });
    this.cache.delete(name);
    if (updated.length === 0)
      throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, {
        details: { model: name },
      });
    this.onSet(name, access);
  }

  clear(): void {
    this.cache.clear();
  }
}

/** The answer to creating a model whose name is taken, the same whether the caller can see it or not. */
export function modelNameTaken(name: string): ModelGardenError {
  return new ModelGardenError('MODEL_EXISTS', `Model "${name}" already exists`, { details: { model: name } });
}
