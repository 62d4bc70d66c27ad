// Edits a version's metadata (description, task, labels, feature names, tags); the artifact and its
// schema never change. Only the fields the user changed are sent.

import type { ModelVersion, Task, VersionMetadataPatch } from '@modelgarden/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { queryKeys } from '../api/queries';
import { versionsApi } from '../api/versions';
import { parseList } from '../lib/list-field';
import { Button } from './button';
import { ErrorAlert } from './error-alert';
import { Field, selectClass } from './field';
import { TaskOptions } from './task-options';

/** `key=value` pairs, one per line or comma-separated; a pair without `=` is a key with an empty value. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of text.split(/[\n,]/)) {
    const [key = '', ...rest] = item.split('=');
    if (key.trim()) tags[key.trim()] = rest.join('=').trim();
  }
  return tags;
}

export const formatTags = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

interface Draft {
  description: string;
  task: Task;
  labels: string;
  featureNames: string;
  tags: string;
}

const draftOf = (v: ModelVersion): Draft => ({
  description: v.description ?? '',
  task: v.task,
  labels: (v.labels ?? []).join(', '),
  featureNames: (v.featureNames ?? []).join(', '),
  tags: formatTags(v.tags),
});

/** The patch that turns `before` into `draft`: changed fields only, an emptied list or text as null. */
function patchOf(before: Draft, draft: Draft): VersionMetadataPatch {
  const patch: VersionMetadataPatch = {};
  if (draft.description !== before.description) patch.description = draft.description.trim() || null;
  if (draft.task !== before.task) patch.task = draft.task;
  if (draft.labels !== before.labels) {
    const labels = parseList(draft.labels);
    patch.labels = labels.length > 0 ? labels : null;
  }
  if (draft.featureNames !== before.featureNames) {
    const names = parseList(draft.featureNames);
    patch.featureNames = names.length > 0 ? names : null;
  }
  if (draft.tags !== before.tags) patch.tags = parseTags(draft.tags);
  return patch;
}

export function VersionMetadataForm({ model, version }: { model: string; version: ModelVersion }) {
  const client = useQueryClient();
  const initial = draftOf(version);
  const [draft, setDraft] = useState(initial);
  const save = useMutation<ModelVersion, ApiError, VersionMetadataPatch>({
    mutationFn: (patch) => versionsApi.update(model, version.version, patch),
    onSuccess: (saved) => {
      setDraft(draftOf(saved));
      return client.invalidateQueries({ queryKey: queryKeys.models });
    },
  });
  const patch = patchOf(initial, draft);
  const changed = Object.keys(patch).length > 0;
  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(patch);
  }

  return (
    <form onSubmit={submit} className="space-y-3" aria-label={`Metadata of v${version.version}`}>
      <Field label="Description" value={draft.description} onChange={set('description')} />
      <label className="block text-sm font-medium text-slate-700">
        Task
        <select value={draft.task} onChange={set('task')} className={selectClass}>
          <TaskOptions />
        </select>
      </label>
      <Field
        label="Labels"
        hint="Comma-separated, in output order."
        value={draft.labels}
        onChange={set('labels')}
      />
      <Field
        label="Feature names"
        hint="Comma-separated, in input column order."
        value={draft.featureNames}
        onChange={set('featureNames')}
      />
      <Field label="Tags" hint="key=value, comma-separated." value={draft.tags} onChange={set('tags')} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={!changed || save.isPending}>
          {save.isPending ? 'Saving…' : 'Save metadata'}
        </Button>
        {changed && (
          <Button variant="ghost" onClick={() => setDraft(initial)}>
            Discard changes
          </Button>
        )}
        {save.isSuccess && !changed && (
          <output className="text-sm text-emerald-700">Metadata of v{version.version} saved.</output>
        )}
      </div>
      {save.isError && <ErrorAlert error={save.error} title="Could not save the metadata" />}
    </form>
  );
}
