// Adding or changing an LLM provider. The API key field is write-only: it starts empty, is cleared
// once sent, and an existing key is never shown (the server answers `hasApiKey` only).

import type { LlmProvider, LlmProviderPatch, NewLlmProvider } from '@modelgarden/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { Field, selectClass } from '../components/field';
import { llmAdminApi, PROVIDERS_KEY } from './llm-admin-api';

type Kind = NewLlmProvider['kind'];
const KINDS: Array<{ kind: Kind; label: string; placeholder: string }> = [
  { kind: 'openai-compatible', label: 'OpenAI-compatible', placeholder: 'https://api.openai.com/v1' },
  { kind: 'ollama', label: 'Ollama', placeholder: 'http://127.0.0.1:11434' },
  { kind: 'anthropic', label: 'Anthropic', placeholder: 'https://api.anthropic.com' },
  { kind: 'gemini', label: 'Google Gemini', placeholder: 'https://generativelanguage.googleapis.com' },
];

interface Draft {
  name: string;
  kind: Kind;
  baseUrl: string;
  apiKey: string;
  removeKey: boolean;
  models: string;
  enabled: boolean;
  connectTimeoutMs: string;
  requestTimeoutMs: string;
}

function draftOf(p: LlmProvider | undefined): Draft {
  return {
    name: p?.name ?? '',
    kind: p?.kind ?? 'openai-compatible',
    baseUrl: p?.baseUrl ?? '',
    apiKey: '',
    removeKey: false,
    models: (p?.configuredModels ?? []).join(', '),
    enabled: p?.enabled ?? true,
    connectTimeoutMs: p?.connectTimeoutMs?.toString() ?? '',
    requestTimeoutMs: p?.requestTimeoutMs?.toString() ?? '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const ms = (text: string) => (text.trim() === '' ? null : Number(text));

/** The form for a new provider (`editing` unset) or for changing a stored one. */
export function ProviderForm({ editing, onDone }: { editing?: LlmProvider; onDone?: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(editing));
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation<LlmProvider, ApiError>({
    mutationFn: () => {
      // A key pasted with a space or line break around it (the server refuses those).
      const apiKey = draft.apiKey.trim();
      const common = {
        baseUrl: draft.baseUrl.trim() || undefined,
        models: list(draft.models),
        enabled: draft.enabled,
        connectTimeoutMs: ms(draft.connectTimeoutMs),
        requestTimeoutMs: ms(draft.requestTimeoutMs),
      };
      if (!editing) {
        const input: NewLlmProvider = { name: draft.name.trim(), kind: draft.kind, ...common };
        if (apiKey) input.apiKey = apiKey;
        return llmAdminApi.createProvider(input);
      }
      const patch: LlmProviderPatch = {
        kind: draft.kind,
        ...common,
        revision: editing.revision ?? undefined,
      };
      if (draft.removeKey) patch.apiKey = null;
      else if (apiKey) patch.apiKey = apiKey;
      return llmAdminApi.updateProvider(editing.name, patch);
    },
    onSuccess: async () => {
      // The key leaves the page's state once the server has it.
      setDraft(editing ? (d) => ({ ...d, apiKey: '', removeKey: false }) : draftOf(undefined));
      await client.invalidateQueries({ queryKey: PROVIDERS_KEY });
      onDone?.();
    },
    onError: () => set({ apiKey: '' }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const kind = KINDS.find((k) => k.kind === draft.kind)!;
  const label = editing ? `Edit provider ${editing.name}` : 'New provider';
  return (
    <form onSubmit={submit} aria-label={label} className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-3">
        {!editing && (
          <Field
            label="Name"
            required
            value={draft.name}
            hint="Its models are offered as <name>/<model id>."
            onChange={(e) => set({ name: e.target.value })}
          />
        )}
        <label className="block text-sm font-medium text-slate-700">
          Kind
          <select
            value={draft.kind}
            onChange={(e) => set({ kind: e.target.value as Kind })}
            className={`${selectClass} w-full`}
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <Field
          label="Base URL"
          value={draft.baseUrl}
          placeholder={kind.placeholder}
          hint="Left empty: the default for it."
          onChange={(e) => set({ baseUrl: e.target.value })}
        />
        <Field
          label="API key"
          type="password"
          autoComplete="off"
          value={draft.apiKey}
          disabled={draft.removeKey}
          placeholder={editing?.hasApiKey ? 'Stored (leave empty to keep it)' : ''}
          hint="Stored encrypted; never shown again."
          onChange={(e) => set({ apiKey: e.target.value })}
        />
        <Field
          label="Models (optional)"
          value={draft.models}
          placeholder="gpt-4o-mini, llama3.2"
          hint="Offered even when the provider's list is down."
          onChange={(e) => set({ models: e.target.value })}
        />
        <Field
          label="Connect timeout (ms)"
          type="number"
          min={1}
          value={draft.connectTimeoutMs}
          hint="Left empty: the gateway's."
          onChange={(e) => set({ connectTimeoutMs: e.target.value })}
        />
        <Field
          label="Request timeout (ms)"
          type="number"
          min={1}
          value={draft.requestTimeoutMs}
          hint="Left empty: the gateway's."
          onChange={(e) => set({ requestTimeoutMs: e.target.value })}
        />
      </div>
      <div className="flex flex-wrap items-center gap-4 text-sm text-slate-700">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            checked={draft.enabled}
            onChange={(e) => set({ enabled: e.target.checked })}
          />
          Enabled
        </label>
        {editing?.hasApiKey && (
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={draft.removeKey}
              onChange={(e) => set({ removeKey: e.target.checked, apiKey: '' })}
            />
            Remove the stored key
          </label>
        )}
        <Button type="submit" disabled={save.isPending}>
          {editing ? 'Save provider' : 'Add provider'}
        </Button>
        {editing && onDone && (
          <Button variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        )}
      </div>
      {save.isError && (
        <ErrorAlert
          error={save.error}
          title={editing ? 'Could not save the provider' : 'Could not add the provider'}
        />
      )}
    </form>
  );
}
