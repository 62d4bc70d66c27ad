// A pill showing an alias and, optionally, the version it points to.

interface AliasBadgeProps {
  alias: string;
  version?: number;
}

export function AliasBadge({ alias, version }: AliasBadgeProps) {
  const production = alias === 'production';
  return (
    <span
      data-testid="alias-badge"
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${
        production
          ? 'bg-emerald-50 text-emerald-800 ring-emerald-600/20'
          : 'bg-sky-50 text-sky-800 ring-sky-600/20'
      }`}
    >
      {alias}
      {version !== undefined && (
        <>
          <span aria-hidden="true">→</span>
          <span className="sr-only">points to</span>v{version}
        </>
      )}
    </span>
  );
}
