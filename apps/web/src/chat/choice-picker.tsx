// A folded list of checkboxes for the chat's settings that take several names: the registered models
// the gateway may run as tools, and the knowledge bases it retrieves from.

export interface Choice {
  value: string;
  /** Shown beside the name (a model's task, a collection's size). */
  hint?: string;
}

export function ChoicePicker({
  label,
  choices,
  selected,
  onChange,
  empty,
  disabled = false,
  testId,
}: {
  label: string;
  choices: readonly Choice[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  /** Said when there is nothing to choose. */
  empty: string;
  disabled?: boolean;
  testId: string;
}) {
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  // A stored choice that is no longer offered (a deleted model) is still shown, so it can be removed.
  const shown: Choice[] = [
    ...choices,
    ...selected.filter((v) => !choices.some((c) => c.value === v)).map((value) => ({ value })),
  ];
  return (
    <details className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm" data-testid={testId}>
      <summary className="cursor-pointer font-medium text-slate-700">
        {label}
        {selected.length > 0 && (
          <span className="ml-1 font-normal text-slate-500">({selected.join(', ')})</span>
        )}
      </summary>
      {shown.length === 0 ? (
        <p className="mt-2 text-xs text-slate-500">{empty}</p>
      ) : (
        <ul className="mt-2 max-h-48 space-y-1 overflow-y-auto">
          {shown.map((c) => (
            <li key={c.value}>
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  aria-label={c.value}
                  checked={selected.includes(c.value)}
                  onChange={(e) => toggle(c.value, e.target.checked)}
                  disabled={disabled}
                />
                <span className="font-mono text-xs">{c.value}</span>
                {c.hint && <span className="text-xs text-slate-500">{c.hint}</span>}
              </label>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
