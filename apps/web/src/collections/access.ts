// What the page offers to change, decided as the server decides it (retrieval/collection-access.ts):
// admins, the collection's owner and its team's members; the server still checks every change.

import type { Collection } from '@modelgarden/sdk';
import type { Session } from '../auth/session-api';

/** Whether the session may add and delete documents, or delete the collection. */
export function mayChange(session: Session | undefined, collection: Collection): boolean {
  if (!session?.scopes.includes('models:write')) return false;
  if (session.scopes.includes('admin')) return true;
  const user = session.user;
  // Without a user: a loopback-only setup, which may change what nobody owns.
  if (!user) return collection.owner === null;
  return collection.owner === user.name || (collection.team !== null && collection.team === user.team);
}
