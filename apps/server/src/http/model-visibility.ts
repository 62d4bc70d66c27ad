/** Object-level access: a team-private model answers 404 to callers outside its team, as if absent. */
import { type Principal, seesAllModels } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { canSee, type ModelAccess } from '../registry/model-access.js';

/** Who the caller is for model visibility: admins see all; others their team's and public models. */
export function viewerOf(principal: Principal): { all: boolean; team: string | null } {
  return { all: seesAllModels(principal), team: principal.kind === 'user' ? principal.team : null };
}

/**
 * Throws MODEL_NOT_FOUND when the caller may not see the model. Answers synchronously when the
 * model's access is cached (every request of the prediction path after the first), else returns a
 * promise.
 */
export function assertModelVisible(
  ctx: AppContext,
  principal: Principal,
  name: string,
): void | Promise<void> {
  const cached = ctx.registry.access.cached(name);
  if (cached !== undefined) return check(cached, principal, name);
  return ctx.registry.access.get(name).then((access) => check(access, principal, name));
}

function check(access: ModelAccess | null, principal: Principal, name: string): void {
  if (access && !canSee(access, viewerOf(principal)))
    throw new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, { details: { model: name } });
}
