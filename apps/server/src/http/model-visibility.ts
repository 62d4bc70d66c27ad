/** Object-level access: a team-private model answers 404 to callers outside its team, as if absent. */
import { type Principal, seesAllModels } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { canSee } from '../registry/model-access.js';

/** Who the caller is for model visibility: admins see all; others their team's and public models. */
export function viewerOf(principal: Principal): { all: boolean; team: string | null } {
  return { all: seesAllModels(principal), team: principal.kind === 'user' ? principal.team : null };
}

export async function assertModelVisible(ctx: AppContext, principal: Principal, name: string): Promise<void> {
  const access = await ctx.registry.access.get(name);
  if (access && !canSee(access, viewerOf(principal)))
    throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, { details: { model: name } });
}
