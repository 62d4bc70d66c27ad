// A multipart/form-data body written by hand so that it can be streamed with an exact length and
// with upload progress counted as the file's bytes are handed to fetch.

import type { ResolvedUpload } from './upload-source.js';

export interface UploadProgress {
  /** file bytes handed to the connection so far */
  loaded: number;
  /** the file's size in bytes */
  total: number;
}

export interface MultipartField {
  name: string;
  value: string;
}

export interface MultipartBody {
  contentType: string;
  /** exact body length in bytes, for Content-Length */
  length: number;
  stream: ReadableStream<Uint8Array>;
}

const encoder = new TextEncoder();

/**
 * Stream `fields` (written first, so a server can read them before the file) and then `file` under the
 * form name `fileField`. `onProgress` fires after each file chunk is pulled by the consumer.
 */
export function multipartStream(
  fields: MultipartField[],
  fileField: string,
  file: ResolvedUpload,
  onProgress?: (progress: UploadProgress) => void,
): MultipartBody {
  const boundary = `----modelgarden-${randomHex(16)}`;
  const head = encoder.encode(
    fields.map((field) => fieldPart(boundary, field)).join('') +
      fileHeader(boundary, fileField, file.filename),
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const length = head.byteLength + file.size + tail.byteLength;

  async function* pieces(): AsyncGenerator<Uint8Array> {
    yield head;
    let loaded = 0;
    onProgress?.({ loaded, total: file.size });
    for await (const chunk of file.chunks()) {
      yield chunk;
      // Resumed only when the consumer asks for more, i.e. once this chunk has been taken.
      loaded += chunk.byteLength;
      onProgress?.({ loaded, total: file.size });
    }
    if (loaded !== file.size) {
      throw new Error(
        `${file.filename} changed while uploading: expected ${file.size} bytes, read ${loaded}`,
      );
    }
    yield tail;
  }

  const iterator = pieces();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        await iterator.return(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, stream };
}

function fieldPart(boundary: string, field: MultipartField): string {
  // text/plain, not application/json: @fastify/multipart parses an application/json field into an
  // object, and the API documents `metadata` as a JSON *string*.
  return (
    `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(field.name)}"\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n\r\n${field.value}\r\n`
  );
}

function fileHeader(boundary: string, name: string, filename: string): string {
  return (
    `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"; ` +
    `filename="${escapeQuoted(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`
  );
}

// RFC 7578 §4.2: names are quoted strings; escape what would end the string or the header line.
function escapeQuoted(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  return Array.from(buffer, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
