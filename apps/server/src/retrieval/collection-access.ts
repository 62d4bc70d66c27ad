/**
 * Who may see and change a knowledge-base collection: the models' rules (auth/authorize.ts), so a
 * team-private collection is hidden from other teams exactly as a team-private model is — the
 * answer is COLLECTION_NOT_FOUND, the same as for a missing one. Changing it (uploads, deletes) is
 * for admins, its owner and its team's members.
 */
import { isAdmin, maySee, teamOf } from '../auth/authorize.js';
import type { Principal } from '../auth/principal.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ModelAccess } from '../registry/model-access.js';

export interface CollectionAccess extends ModelAccess {
  name: string;
  ownerId: number | null;
}

export function collectionNotFound(name: string): ModelGardenError {
  return new ModelGardenError('COLLECTION_NOT_FOUND', `Collection "${name.slice(0, 80)}" not found`, {
    details: { collection: name.slice(0, 80) },
  });
}

/** Throws COLLECTION_NOT_FOUND for a missing collection and for one hidden from the caller alike. */
export function assertSees(principal: Principal, name: string, access: CollectionAccess | null): void {
  if (access === null || !maySee(principal, access)) throw collectionNotFound(name);
}

/** Throws FORBIDDEN unless the caller is an admin, the owner or a member of the collection's team. */
export function assertChanges(principal: Principal, access: CollectionAccess): void {
  if (isAdmin(principal)) return;
  if (principal.kind === 'user' && principal.userId === access.ownerId) return;
  const team = teamOf(principal);
  if (team !== null && team === access.team) return;
  if (principal.kind === 'anonymous' && access.ownerId === null) return; // a loopback-only setup
  throw new ModelGardenError(
    'FORBIDDEN',
    `Only admins, its owner and its team's members change collection "${access.name}"`,
    { details: { collection: access.name, team: access.team } },
  );
}
