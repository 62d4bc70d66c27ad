// Adding or changing an LLM model alias: weighted deployments (`<provider>/<model id>`, picked from
// the models on offer or typed) and fallbacks tried in order after them.

import type { LlmAlias, NewLlmAlias } from '@modelgarden/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { Field, inputClass } from '../components/field';
import { ALIASES_KEY, llmAdminApi } from './llm-admin-api';

interface Row {
  model: string;
  weight: string;
}

export function AliasForm({
  editing,
  models,
  onDone,
}: {
  editing?: LlmAlias;
  /** `<provider>/<id>` of every model on offer, for the pickers. */
  models: string[];
  onDone?: () => void;
}) {
  const client = useQueryClient();
  const listId = useId();
  const [name, setName] = useState(editing?.name ?? '');
  const [rows, setRows] = useState<Row[]>(
    editing?.deployments.map((d) => ({ model: d.model, weight: String(d.weight) })) ?? [
      { model: '', weight: '1' },
    ],
  );
  const [fallbacks, setFallbacks] = useState((editing?.fallbacks ?? []).join(', '));
  const setRow = (i: number, patch: Partial<Row>) =>
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = useMutation<LlmAlias, ApiError>({
    mutationFn: () => {
      const body: Omit<NewLlmAlias, 'name'> = {
        deployments: rows.map((r) => ({ model: r.model.trim(), weight: Number(r.weight) })),
        fallbacks: fallbacks
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
      return editing
        ? llmAdminApi.updateAlias(editing.name, { ...body, revision: editing.revision ?? undefined })
        : llmAdminApi.createAlias({ name: name.trim(), ...body });
    },
    onSuccess: async () => {
      if (!editing) {
        setName('');
        setRows([{ model: '', weight: '1' }]);
        setFallbacks('');
      }
      await client.invalidateQueries({ queryKey: ALIASES_KEY });
      onDone?.();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form
      onSubmit={submit}
      aria-label={editing ? `Edit alias ${editing.name}` : 'New alias'}
      className="space-y-3"
    >
      <datalist id={listId}>
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      {!editing && (
        <Field label="Alias name" required value={name} onChange={(e) => setName(e.target.value)} />
      )}
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Deployments (by weight)</legend>
        {rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          <div key={i} className="flex items-end gap-2">
            <label className="block flex-1 text-sm text-slate-700">
              Deployment {i + 1} model
              <input
                className={inputClass}
                list={listId}
                required
                value={row.model}
                placeholder="provider/model-id"
                onChange={(e) => setRow(i, { model: e.target.value })}
              />
            </label>
            <label className="block w-28 text-sm text-slate-700">
              Weight
              <input
                className={inputClass}
                type="number"
                step="any"
                value={row.weight}
                onChange={(e) => setRow(i, { weight: e.target.value })}
              />
            </label>
            {rows.length > 1 && (
              <Button variant="ghost" onClick={() => setRows((all) => all.filter((_, j) => j !== i))}>
                Remove deployment {i + 1}
              </Button>
            )}
          </div>
        ))}
        <Button variant="secondary" onClick={() => setRows((all) => [...all, { model: '', weight: '1' }])}>
          Add a deployment
        </Button>
      </fieldset>
      <Field
        label="Fallbacks (optional)"
        value={fallbacks}
        placeholder="provider/model-id, …"
        hint="Tried in order when every deployment failed."
        onChange={(e) => setFallbacks(e.target.value)}
      />
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          {editing ? 'Save alias' : 'Add alias'}
        </Button>
        {editing && onDone && (
          <Button variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        )}
      </div>
      {save.isError && <ErrorAlert error={save.error} title="Could not save the alias" />}
    </form>
  );
}
