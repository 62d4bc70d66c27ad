/**
 * Roles, API key scopes and what each grants. A role is a set of scopes; a key carries a subset of
 * its owner's scopes. `admin` implies every scope and `models:write` implies `models:read`.
 */

/** `chat` and `embeddings`: the LLM gateway's calls (they spend a provider's money, so never anonymous). */
export const SCOPES = ['predict', 'models:read', 'models:write', 'admin', 'chat', 'embeddings'] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: ['admin', 'models:write', 'models:read', 'predict', 'chat', 'embeddings'],
  member: ['models:write', 'models:read', 'predict', 'chat', 'embeddings'],
  viewer: ['models:read', 'predict'],
};

/** True when `granted` includes `required` directly or through an implying scope. */
export function grants(granted: readonly Scope[], required: Scope): boolean {
  if (granted.includes('admin')) return true;
  if (required === 'models:read' && granted.includes('models:write')) return true;
  return granted.includes(required);
}

/** The scopes a key still has: those it was given that its owner's current role grants. */
export function effectiveKeyScopes(keyScopes: readonly string[], role: Role): Scope[] {
  return SCOPES.filter((s) => keyScopes.includes(s) && grants(ROLE_SCOPES[role], s));
}
