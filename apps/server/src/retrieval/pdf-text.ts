/**
 * A PDF's text, read by pdfjs-dist's legacy build (Node 20), in the PDF worker thread (pdf-worker.ts):
 * first every FlateDecode stream is inflated with a budget (a decompression bomb — a few hundred KB
 * that inflate to gigabytes — is refused before pdf.js buffers it), then page by page, at most
 * `maxPages` pages and `maxTextChars` characters. Failures are `PdfRefusal`s: the reason is for the
 * uploader ("is not a readable PDF (…)").
 */
import { inflateSync } from 'node:zlib';

export interface PdfLimits {
  maxPages: number;
  maxTextChars: number;
  /** All FlateDecode streams of the file together may inflate to at most this many bytes. */
  maxInflatedBytes: number;
}

export class PdfRefusal extends Error {}

const STREAM = /\/FlateDecode[\s\S]*?stream\r?\n/g;
/** A direct `/Length n` (not an indirect `n 0 R`) in the stream's dictionary. */
const LENGTH = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/;

/** Inflates every FlateDecode stream (as far as zlib can) within the budget; throws past it. */
export function checkInflatedSize(bytes: Uint8Array, maxInflatedBytes: number): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let total = 0;
  for (const match of text.matchAll(STREAM)) {
    const start = match.index + match[0].length;
    // the object's dictionary: from its `obj` keyword to the `stream` keyword
    const dictionary = text.slice(Math.max(0, text.lastIndexOf(' obj', match.index)), start);
    const length = LENGTH.exec(dictionary)?.[1];
    const end = length ? start + Number(length) : text.indexOf('endstream', start);
    if (end < start) break;
    const data = bytes.subarray(start, end);
    try {
      total += inflateSync(data, { maxOutputLength: maxInflatedBytes - total + 1, finishFlush: 2 }).length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') total = maxInflatedBytes + 1;
      // a stream zlib cannot read is pdf.js's to judge
    }
    if (total > maxInflatedBytes)
      throw new PdfRefusal(
        `inflates to more than ${Math.round(maxInflatedBytes / 1_048_576)} MB (a compression bomb?)`,
      );
  }
  return total;
}

export async function pdfText(bytes: Uint8Array, limits: PdfLimits): Promise<string> {
  checkInflatedSize(bytes, limits.maxInflatedBytes);
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    data: bytes, // pdf.js takes ownership of (detaches) the buffer it is given
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    verbosity: 0,
  });
  try {
    const doc = await task.promise.catch((e: unknown) => {
      throw new PdfRefusal(`is not a readable PDF (${e instanceof Error ? e.message : String(e)})`);
    });
    if (doc.numPages > limits.maxPages) throw new PdfRefusal(`has more than ${limits.maxPages} pages`);
    const pages: string[] = [];
    let total = 0;
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent().catch((e: unknown) => {
        throw new PdfRefusal(`has an unreadable page ${p} (${e instanceof Error ? e.message : String(e)})`);
      });
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      page.cleanup();
      total += text.length;
      if (total > limits.maxTextChars)
        throw new PdfRefusal(`holds more than ${limits.maxTextChars} characters of text`);
      pages.push(text.trim());
    }
    return pages.filter((t) => t !== '').join('\n\n');
  } finally {
    await task.destroy();
  }
}
