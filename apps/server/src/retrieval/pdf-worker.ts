/**
 * The thread a PDF is read in (extract.ts starts one per PDF): reads `workerData` ({ bytes, limits }),
 * posts `{ text }` or `{ refused }` (the reason for the uploader) and ends. Reading a PDF is CPU work
 * for seconds on a large file; here it never holds up the event loop, and the thread can be
 * terminated at the time limit and is bounded in heap (resourceLimits).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type PdfLimits, PdfRefusal, pdfText } from './pdf-text.js';

const { bytes, limits } = workerData as { bytes: Uint8Array; limits: PdfLimits };
try {
  parentPort!.postMessage({ text: await pdfText(bytes, limits) });
} catch (err) {
  parentPort!.postMessage(
    err instanceof PdfRefusal
      ? { refused: err.message }
      : { refused: `is not a readable PDF (${err instanceof Error ? err.message : String(err)})` },
  );
}
