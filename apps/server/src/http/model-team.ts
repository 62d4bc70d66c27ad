/** Setting a model's team visibility from a create/edit body: members only for their own team. */

import { assertUserName } from '../auth/names.js';
import type { Principal } from '../auth/principal.js';
import { seesAllModels } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';

export async function applyModelAccess(
  ctx: AppContext,
  principal: Principal,
  name: string,
  body: { visibility?: 'public' | 'team' | undefined; team?: string | null | undefined },
): Promise<void> {
  if (body.visibility === undefined && body.team === undefined) return;
  const current = (await ctx.registry.access.get(name)) ?? { visibility: 'public' as const, team: null };
  const own = principal.kind === 'user' ? principal.team : null;
  const visibility = body.visibility ?? current.visibility;
  const team = body.team !== undefined ? body.team : (current.team ?? (visibility === 'team' ? own : null));
  if (team) assertUserName(team, 'team');
  if (!seesAllModels(principal) && team !== null && team !== own)
    throw new ModelGardenError('FORBIDDEN', 'Only admins give a model to another team', {
      details: { team },
    });
  await ctx.registry.access.set(name, { visibility, team });
}
