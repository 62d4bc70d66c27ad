// A small loading indicator with an accessible label.

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <output className="inline-flex items-center gap-2 text-sm text-slate-500">
      <span className="size-4 animate-spin rounded-full border-2 border-slate-300 border-t-emerald-600" />
      {label}…
    </output>
  );
}
