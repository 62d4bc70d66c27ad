// Uploads files (a model version, knowledge-base documents) with XMLHttpRequest, because fetch cannot
// report upload progress (the SDK's uploads, on fetch, report only the start and the end in a
// browser). Every other call is the SDK's.

import type { ModelVersion, PushMetadata } from '@modelgarden/sdk';
import { authHeaders, onUnauthenticated } from '../auth/session-state';
import { errorFromResponse, networkError } from './api-error';

export interface UploadRequest {
  name: string;
  file: File;
  metadata: PushMetadata;
  /** Called with the fraction sent, 0..1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * POSTs `file` and `metadata` as multipart to `/api/models/{name}/versions`.
 * @example
 * const version = await uploadModelVersion({ name: 'iris', file, metadata: { labels: ['a', 'b'] } });
 */
export function uploadModelVersion({
  name,
  file,
  metadata,
  onProgress,
  signal,
}: UploadRequest): Promise<ModelVersion> {
  const form = new FormData();
  if (Object.keys(metadata).length > 0) form.append('metadata', JSON.stringify(metadata));
  form.append('file', file, file.name);
  return sendForm<ModelVersion>(`/api/models/${encodeURIComponent(name)}/versions`, form, {
    onProgress,
    signal,
  });
}

/**
 * POSTs a multipart form to `url` (same origin, the session's headers), reporting the fraction sent;
 * a 2xx answer's JSON resolves, anything else rejects with the server's error.
 */
export function sendForm<T>(
  url: string,
  form: FormData,
  { onProgress, signal }: Pick<UploadRequest, 'onProgress' | 'signal'> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(authHeaders('POST'))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as T);
        } catch {
          reject(errorFromResponse(xhr.status, xhr.statusText, xhr.responseText));
        }
        return;
      }
      onUnauthenticated(xhr.status);
      reject(errorFromResponse(xhr.status, xhr.statusText, xhr.responseText));
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
