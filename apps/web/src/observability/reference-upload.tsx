// A version's drift reference: which dataset it is compared with, and uploading a CSV to replace it.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { type ReferenceDataset, versionsApi } from '../api/versions';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { formatDate } from '../lib/format';

interface ReferenceUploadProps {
  model: string;
  version: number;
  featureNames: string[] | null;
}

export function ReferenceUpload({ model, version, featureNames }: ReferenceUploadProps) {
  const client = useQueryClient();
  const key = ['reference', model, version];
  const current = useQuery<ReferenceDataset, ApiError>({
    queryKey: key,
    queryFn: () => versionsApi.reference(model, version),
    retry: false,
  });
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation<ReferenceDataset, ApiError, File>({
    mutationFn: async (csv) => versionsApi.uploadReference(model, version, await csv.text()),
    onSuccess: (saved) => {
      client.setQueryData(key, saved);
      // The drift report compares with the new reference from now on.
      return client.invalidateQueries({ queryKey: ['drift', model] });
    },
  });
  const inputId = `reference-file-${version}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (file) upload.mutate(file);
  }

  return (
    <div className="space-y-3" data-testid="reference-upload">
      <p className="text-sm text-slate-600" data-testid="reference-current">
        {current.data
          ? `Compared with ${current.data.rows} rows (${current.data.source}), set ${formatDate(current.data.createdAt)}.`
          : current.isError && current.error.status === 404
            ? `v${version} has no drift reference yet.`
            : current.isPending
              ? 'Loading the reference…'
              : null}
      </p>
      {current.isError && current.error.status !== 404 && <ErrorAlert error={current.error} />}
      <form
        onSubmit={submit}
        className="flex flex-wrap items-end gap-3"
        aria-label={`Drift reference of v${version}`}
      >
        <label htmlFor={inputId} className="text-sm font-medium text-slate-700">
          Reference CSV
          <input
            id={inputId}
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            className="mt-1 block text-sm"
          />
        </label>
        <Button type="submit" variant="secondary" disabled={!file || upload.isPending}>
          {upload.isPending ? 'Uploading…' : 'Upload reference'}
        </Button>
      </form>
      <p className="text-xs text-slate-500">
        One column per feature{featureNames?.length ? ` (${featureNames.join(', ')})` : ''} and an optional{' '}
        <code>label</code> column, with a header row.
      </p>
      {upload.isError && <ErrorAlert error={upload.error} title="Could not use this reference" />}
      {upload.isSuccess && (
        <output className="block text-sm text-emerald-700">
          Reference of v{version} set from {upload.data.rows} rows.
        </output>
      )}
    </div>
  );
}
