// How a version's inputs differ from another's: what a promotion with `force` would change for clients.

import type { SchemaChange, TensorSpec } from '@modelgarden/sdk';

const spec = (t: TensorSpec) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`;

export function SchemaDiffView({ change }: { change: SchemaChange }) {
  const { diff, comparedTo } = change;
  return (
    <div className="space-y-1 text-sm" data-testid="schema-diff">
      <p className="font-medium text-amber-900">
        Inputs differ from v{comparedTo.version} ({comparedTo.alias}):
      </p>
      <ul className="list-disc pl-5 font-mono text-xs text-slate-700">
        {diff.added.map((t) => (
          <li key={`+${t.name}`} className="text-emerald-700">
            + {spec(t)}
          </li>
        ))}
        {diff.removed.map((t) => (
          <li key={`-${t.name}`} className="text-rose-700">
            − {spec(t)}
          </li>
        ))}
        {diff.changed.map((c) => (
          <li key={`~${c.name}`}>
            ~ {spec(c.before)} → {spec(c.after)}
          </li>
        ))}
        {diff.featureNames && (
          <li>
            ~ features {(diff.featureNames.before ?? []).join(', ')} →{' '}
            {(diff.featureNames.after ?? []).join(', ')}
          </li>
        )}
      </ul>
    </div>
  );
}
