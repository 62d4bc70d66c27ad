/**
 * Turns an uploaded file into text the chunker reads (markdown-ish: `#` headings, blank lines between
 * paragraphs), refusing what is not what it claims to be. Plain text and markdown are checked as
 * UTF-8 without binary bytes or absurd lines; HTML goes through html-to-text (headings kept as `#`
 * lines, scripts and navigation dropped); PDF through pdfjs-dist's legacy build (Node 20) in a thread
 * of its own (pdf-worker.ts: off the event loop, stopped at a time limit, bounded in heap), with
 * limits on inflated streams, pages and extracted text so a decompression bomb stops early.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FormatCallback } from 'html-to-text';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { workerEntry } from '../worker-entry.js';
import type { PdfLimits } from './pdf-text.js';

export type MediaType = 'text/plain' | 'text/markdown' | 'text/html' | 'application/pdf';

export interface ExtractLimits {
  /** The longest line a text file may hold (a "line" of megabytes is junk, not prose). */
  maxLineChars: number;
  /** Extracted text beyond this is refused (PDF or HTML that inflates). */
  maxTextChars: number;
  maxPdfPages: number;
  /** A PDF's FlateDecode streams together may inflate to at most this (decompression bombs). */
  maxPdfInflatedBytes: number;
  /** A PDF is read in a thread of its own, stopped after this long… */
  pdfTimeoutMs: number;
  /** …or when its JavaScript heap would pass this. */
  pdfHeapMb: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxLineChars: 100_000,
  maxTextChars: 5_000_000,
  maxPdfPages: 2_000,
  maxPdfInflatedBytes: 256 * 1024 * 1024,
  pdfTimeoutMs: 30_000,
  pdfHeapMb: 512,
};

export interface Extracted {
  mediaType: MediaType;
  text: string;
  sha256: string;
}

const BY_EXTENSION: Record<string, MediaType> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
};

export const SUPPORTED_EXTENSIONS = Object.keys(BY_EXTENSION);

function invalid(name: string, reason: string): ModelGardenError {
  return new ModelGardenError('INVALID_DOCUMENT', `"${name.slice(0, 120)}" ${reason}`, {
    details: { document: name.slice(0, 120) },
  });
}

/** The type a file name says it is; anything else is UNSUPPORTED_MEDIA_TYPE. */
export function mediaTypeOf(name: string): MediaType {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const type = ext ? BY_EXTENSION[ext] : undefined;
  if (!type)
    throw new ModelGardenError(
      'UNSUPPORTED_MEDIA_TYPE',
      `"${name.slice(0, 120)}": upload .txt, .md, .html or .pdf files`,
      { details: { supported: SUPPORTED_EXTENSIONS } },
    );
  return type;
}

/** Magic numbers of formats that are never text, whatever the file is called. */
const BINARY_MAGIC: Array<[string, number[]]> = [
  ['PDF', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['ZIP', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip', [0x1f, 0x8b]],
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['ELF', [0x7f, 0x45, 0x4c, 0x46]],
];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** UTF-8 text without NUL or other control bytes (tabs, newlines and form feeds aside). */
function decodeText(name: string, bytes: Uint8Array, limits: ExtractLimits): string {
  for (const [format, magic] of BINARY_MAGIC)
    if (startsWith(bytes, magic)) throw invalid(name, `is a ${format} file, not text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(name, 'is not UTF-8 text');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control bytes is the point
  if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) throw invalid(name, 'holds binary bytes, not text');
  assertLines(name, text, limits);
  return text;
}

function assertLines(name: string, text: string, limits: ExtractLimits): void {
  if (text.length > limits.maxTextChars)
    throw invalid(name, `holds more than ${limits.maxTextChars} characters of text`);
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > limits.maxLineChars)
      throw invalid(name, `has a line longer than ${limits.maxLineChars} characters`);
    start = end + 1;
  }
}

const heading =
  (level: number): FormatCallback =>
  (elem, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addInline(`${'#'.repeat(level)} `);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  };

/** html-to-text (and its HTML parser) loads with the first HTML document, not with the server (~70 ms). */
async function htmlToText(html: string): Promise<string> {
  const { convert } = await import('html-to-text');
  return convert(html, {
    wordwrap: false,
    formatters: Object.fromEntries([1, 2, 3, 4, 5, 6].map((l) => [`h${l}`, heading(l)])),
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map((l) => ({ selector: `h${l}`, format: `h${l}` })),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
    ],
  });
}

/** PDFs read at once; more wait their turn (each reading thread may use up to `pdfHeapMb`). */
const PDF_THREADS = 2;
let pdfThreads = 0;
const waitingForThread: Array<() => void> = [];

async function withPdfThread<T>(run: () => Promise<T>): Promise<T> {
  if (pdfThreads >= PDF_THREADS) await new Promise<void>((resolve) => waitingForThread.push(resolve));
  else pdfThreads++;
  try {
    return await run();
  } finally {
    const next = waitingForThread.shift();
    if (next) next();
    else pdfThreads--;
  }
}

/** Reads the PDF in a thread of its own (pdf-worker.ts), within the limits' time and heap. */
function pdfToText(name: string, bytes: Uint8Array, limits: ExtractLimits): Promise<string> {
  if (!startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) throw invalid(name, 'is not a PDF file');
  const copy = new Uint8Array(bytes); // moved to the thread; the caller keeps its own
  const pdfLimits: PdfLimits = {
    maxPages: limits.maxPdfPages,
    maxTextChars: limits.maxTextChars,
    maxInflatedBytes: limits.maxPdfInflatedBytes,
  };
  return withPdfThread(
    () =>
      new Promise<string>((resolve, reject) => {
        const entry = workerEntry(import.meta.url, 'pdf-worker');
        const worker = new Worker(entry.target, {
          eval: entry.eval,
          workerData: { bytes: copy, limits: pdfLimits },
          transferList: [copy.buffer as ArrayBuffer],
          resourceLimits: { maxOldGenerationSizeMb: limits.pdfHeapMb },
          stdout: true,
          stderr: true,
        });
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          void worker.terminate();
          fn();
        };
        const timer = setTimeout(
          () =>
            settle(() => reject(invalid(name, `took longer than ${limits.pdfTimeoutMs / 1000} s to read`))),
          limits.pdfTimeoutMs,
        );
        worker.once('message', (m: { text?: string; refused?: string }) =>
          settle(() => (m.refused !== undefined ? reject(invalid(name, m.refused)) : resolve(m.text ?? ''))),
        );
        worker.once('error', (err: NodeJS.ErrnoException) =>
          settle(() =>
            reject(
              err.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? invalid(name, `needs more than ${limits.pdfHeapMb} MB of memory to read`)
                : invalid(name, `is not a readable PDF (${err.message})`),
            ),
          ),
        );
        worker.once('exit', (code) =>
          settle(() => reject(invalid(name, `could not be read (the reader stopped with ${code})`))),
        );
      }),
  );
}

/**
 * The text of an uploaded file, named by its extension.
 * @example await extractText('guide.md', bytes) // { mediaType: 'text/markdown', text, sha256 }
 */
export async function extractText(
  name: string,
  bytes: Uint8Array,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<Extracted> {
  const mediaType = mediaTypeOf(name);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  switch (mediaType) {
    case 'text/plain':
    case 'text/markdown':
      text = decodeText(name, bytes, limits);
      break;
    case 'text/html':
      text = await htmlToText(decodeText(name, bytes, limits));
      break;
    case 'application/pdf':
      text = await pdfToText(name, bytes, limits);
      if (text.trim() === '') throw invalid(name, 'holds no text (a scanned PDF needs OCR first)');
      assertLines(name, text, limits);
      break;
  }
  if (text.trim() === '') throw invalid(name, 'holds no text');
  return { mediaType, text, sha256 };
}
