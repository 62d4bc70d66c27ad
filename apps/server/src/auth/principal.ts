/** Who is making a request: nobody, a user (through a session or one of their keys), or the bootstrap key. */
import type { Role, Scope } from './scopes.js';

export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: number;
      name: string;
      role: Role;
      team: string | null;
      scopes: Scope[];
      via: 'session' | 'key';
      keyId?: number;
      keyPrefix?: string;
    }
  | { kind: 'bootstrap'; scopes: Scope[] };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The name written into audit entries and alias history; null for anonymous loopback callers. */
export function actorName(principal: Principal): string | null {
  if (principal.kind === 'user') return principal.name;
  if (principal.kind === 'bootstrap') return 'admin-key';
  return null;
}

/** How the caller authenticated, for the audit log (`session`, `key:mg_ab12…`, `admin-key`, `anonymous`). */
export function viaOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.via === 'key' ? `key:${principal.keyPrefix}` : 'session';
  return principal.kind === 'bootstrap' ? 'admin-key' : 'anonymous';
}
