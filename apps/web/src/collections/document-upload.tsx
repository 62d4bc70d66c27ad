// Adds documents to a collection: files dropped or picked (several at once) are sent one after another,
// each with its progress bar, then the server ingests them in the background (the table shows that).
// A refused file shows the server's message beside its name; the others still go.

import { useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useState } from 'react';
import { type ApiError, toApiError } from '../api/api-error';
import { ErrorAlert } from '../components/error-alert';
import { collectionKeys, uploadDocument } from './collections-api';

export const DOCUMENT_TYPES = '.txt,.md,.markdown,.html,.htm,.pdf';

interface Upload {
  key: number;
  name: string;
  fraction: number;
  state: 'waiting' | 'sending' | 'sent' | 'duplicate' | 'failed';
  error?: ApiError;
}

const stateText: Record<Upload['state'], string> = {
  waiting: 'Waiting',
  sending: 'Sending',
  sent: 'Sent; ingesting',
  duplicate: 'Already in the collection',
  failed: 'Refused',
};

function UploadLine({ upload }: { upload: Upload }) {
  const percent = Math.round(upload.fraction * 100);
  return (
    <li className="space-y-1" data-testid="document-upload" data-file={upload.name}>
      <div className="flex justify-between gap-3 text-xs">
        <span className="truncate font-mono text-slate-800">{upload.name}</span>
        <span className="shrink-0 text-slate-600" data-testid="document-upload-state">
          {upload.state === 'sending' && percent === 100
            ? 'Sending; waiting for the server'
            : stateText[upload.state]}
          {upload.state === 'sending' && percent < 100 ? ` ${percent}%` : ''}
        </span>
      </div>
      {upload.state === 'failed' && upload.error ? (
        <ErrorAlert error={upload.error} title={`Could not add ${upload.name}`} />
      ) : (
        <div
          role="progressbar"
          aria-label={`Upload progress of ${upload.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-1.5 overflow-hidden rounded-full bg-slate-200"
        >
          <div
            className="h-full rounded-full bg-emerald-600 transition-[width]"
            style={{ width: `${percent}%` }}
          />
        </div>
      )}
    </li>
  );
}

let nextKey = 0;

export function DocumentUpload({ collection }: { collection: string }) {
  const client = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);

  const update = (key: number, change: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));

  async function send(files: File[]) {
    const queued = files.map((file) => ({ file, key: nextKey++ }));
    setUploads((all) => [
      ...queued.map(({ file, key }) => ({ key, name: file.name, fraction: 0, state: 'waiting' as const })),
      ...all.filter((u) => u.state === 'sending' || u.state === 'waiting'),
    ]);
    for (const { file, key } of queued) {
      update(key, { state: 'sending' });
      try {
        const uploaded = await uploadDocument(collection, file, (fraction) => update(key, { fraction }));
        update(key, { fraction: 1, state: uploaded.duplicate ? 'duplicate' : 'sent' });
      } catch (error) {
        update(key, { state: 'failed', error: toApiError(error) });
      }
      await client.invalidateQueries({ queryKey: collectionKeys.one(collection) });
    }
  }

  const onDrop = (event: DragEvent<HTMLLabelElement>) => {
    event.preventDefault();
    setOver(false);
    const files = [...event.dataTransfer.files];
    if (files.length > 0) void send(files);
  };

  return (
    <div className="space-y-3">
      <label
        htmlFor="document-files"
        data-testid="document-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        className={`flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed px-6 py-6 text-center transition-colors focus-within:outline-2 focus-within:outline-emerald-600 ${over ? 'border-emerald-500 bg-emerald-50' : 'border-slate-300 bg-white hover:border-slate-400'}`}
      >
        <input
          id="document-files"
          type="file"
          multiple
          accept={DOCUMENT_TYPES}
          className="sr-only"
          data-testid="document-file-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length > 0) void send(files);
          }}
        />
        <p className="text-sm text-slate-700">
          <span className="font-semibold text-emerald-700">Choose files</span> or drag them here
        </p>
        <p className="mt-1 text-xs text-slate-500">.txt, .md, .html or .pdf; several at once</p>
      </label>
      {uploads.length > 0 && (
        <ul className="space-y-2" aria-label="Uploads">
          {uploads.map((u) => (
            <UploadLine key={u.key} upload={u} />
          ))}
        </ul>
      )}
    </div>
  );
}
