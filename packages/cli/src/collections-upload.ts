// `collections upload`: each file is sent with a progress bar of its bytes, then one bar follows the
// ingestion of them all (document status polled until ready or failed). Bars only on a terminal.

import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type CollectionDocument, ModelGardenApiError, type ModelGardenClient } from '@modelgarden/sdk';
import { Presets, SingleBar } from 'cli-progress';
import { formatBytes, printJson } from './output.js';
import { visible } from './terminal-text.js';
import { ReportedFailure, UsageError } from './usage-error.js';

const POLL_MS = 250;

interface Uploaded {
  file: string;
  id: string;
  duplicate: boolean;
}

/** Upload `files` to collection `name`; throws ReportedFailure when any was refused or failed. */
export async function uploadDocuments(
  client: ModelGardenClient,
  name: string,
  files: string[],
  options: { wait: boolean; json: boolean },
): Promise<void> {
  await checkFiles(files);
  const bars = !options.json && process.stderr.isTTY === true;
  const uploaded: Uploaded[] = [];
  let refused = 0;
  for (const file of files) {
    try {
      const answer = await uploadOne(client, name, file, bars);
      uploaded.push({ file, id: answer.id, duplicate: answer.duplicate });
      if (!options.json && !bars)
        console.log(`uploaded ${basename(file)}${answer.duplicate ? ' (already there)' : ''}`);
    } catch (error) {
      // The collection itself is missing or hidden, or the key may not write: no point going on.
      if (!(error instanceof ModelGardenApiError) || !documentRefusal(error)) throw error;
      refused += 1;
      const about = error.message.includes(basename(file)) ? '' : `${basename(file)}: `;
      console.error(`error [${error.code}]: ${visible(`${about}${error.message}`)}`);
    }
  }

  const documents = options.wait
    ? await waitForIngestion(client, name, uploaded, bars)
    : await Promise.all(uploaded.map((u) => client.getDocument(name, u.id)));
  if (options.json) printJson({ documents });
  else {
    documents.forEach((document) => {
      const status =
        document.status === 'ready'
          ? `ready, ${document.chunks} passages`
          : document.status === 'failed'
            ? `failed: ${document.error ?? 'unknown reason'}`
            : 'processing';
      console.log(visible(`  ${document.name}  ${formatBytes(document.bytes)}  ${status}  (${document.id})`));
    });
  }
  const failed = documents.filter((d) => d.status === 'failed');
  for (const document of failed) {
    // The name was uploaded and the reason may quote the file: shown, never obeyed by the terminal.
    console.error(
      `error [INGESTION_FAILED]: ${visible(`${document.name}: ${document.error ?? 'unknown reason'}`)}`,
    );
  }
  if (refused > 0 || failed.length > 0) throw new ReportedFailure();
}

/** Refusals of one file (its type, size or content), as opposed to failures that stop the command. */
function documentRefusal(error: ModelGardenApiError): boolean {
  return ['INVALID_DOCUMENT', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'MISSING_FILE'].includes(
    error.code,
  );
}

async function checkFiles(files: string[]): Promise<void> {
  for (const file of files) {
    let isFile: boolean;
    try {
      isFile = (await stat(file)).isFile();
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (!isFile) throw new UsageError(`${file} is not a file`);
  }
}

async function uploadOne(client: ModelGardenClient, name: string, file: string, bars: boolean) {
  const bar = bars
    ? new SingleBar(
        { format: `uploading ${basename(file)} [{bar}] {percentage}% | {done} of {size}`, hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  try {
    return await client.uploadDocument(name, file, {
      onProgress: ({ loaded, total }) => {
        const payload = { done: formatBytes(loaded), size: formatBytes(total) };
        if (bar && !bar.isActive) bar.start(total, loaded, payload);
        bar?.update(loaded, payload);
      },
    });
  } finally {
    bar?.stop();
  }
}

/** Polls each document until it is ready or failed; one bar counts the documents done. */
async function waitForIngestion(
  client: ModelGardenClient,
  name: string,
  uploaded: Uploaded[],
  bars: boolean,
): Promise<CollectionDocument[]> {
  const done = new Map<string, CollectionDocument>();
  const bar =
    bars && uploaded.length > 0
      ? new SingleBar(
          { format: 'ingesting [{bar}] {value} of {total} documents', hideCursor: true },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(uploaded.length, 0);
  try {
    for (;;) {
      for (const { id } of uploaded) {
        if (done.has(id)) continue;
        const document = await client.getDocument(name, id);
        if (document.status !== 'processing') done.set(id, document);
      }
      bar?.update(done.size);
      if (done.size === uploaded.length) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
  // A file uploaded twice (a duplicate) is listed once.
  return [...new Set(uploaded.map((u) => u.id))].map((id) => done.get(id) as CollectionDocument);
}
