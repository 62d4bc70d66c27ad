// Who may see a collection: everyone, or one team (and admins).

import type { Collection } from '@modelgarden/sdk';

export function VisibilityBadge({ collection }: { collection: Pick<Collection, 'visibility' | 'team'> }) {
  const team = collection.visibility === 'team';
  return (
    <span
      data-testid="collection-visibility"
      className={`rounded-md px-2 py-0.5 text-xs font-medium ${team ? 'bg-indigo-50 text-indigo-700' : 'bg-emerald-50 text-emerald-700'}`}
    >
      {team ? `team ${collection.team ?? ''}`.trim() : 'public'}
    </span>
  );
}
