/**
 * Turns an uploaded file into text the chunker reads (markdown-ish: `#` headings, blank lines between
 * paragraphs), refusing what is not what it claims to be. Plain text and markdown are checked as
 * UTF-8 without binary bytes or absurd lines; HTML goes through html-to-text (headings kept as `#`
 * lines, scripts and navigation dropped); PDF through pdfjs-dist's legacy build (Node 20), page by
 * page, with limits on pages and extracted text so a decompression bomb stops early.
 */
import { createHash } from 'node:crypto';
import { convert, type FormatCallback } from 'html-to-text';
import { ModelGardenError } from '../errors/model-garden-error.js';

export type MediaType = 'text/plain' | 'text/markdown' | 'text/html' | 'application/pdf';

export interface ExtractLimits {
  /** The longest line a text file may hold (a "line" of megabytes is junk, not prose). */
  maxLineChars: number;
  /** Extracted text beyond this is refused (PDF or HTML that inflates). */
  maxTextChars: number;
  maxPdfPages: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxLineChars: 100_000,
  maxTextChars: 5_000_000,
  maxPdfPages: 2_000,
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

function htmlToText(html: string): string {
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

async function pdfToText(name: string, bytes: Uint8Array, limits: ExtractLimits): Promise<string> {
  if (!startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) throw invalid(name, 'is not a PDF file');
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    data: new Uint8Array(bytes), // pdf.js takes ownership of (detaches) the buffer it is given
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    verbosity: 0,
  });
  try {
    const doc = await task.promise.catch((e: unknown) => {
      throw invalid(name, `is not a readable PDF (${e instanceof Error ? e.message : String(e)})`);
    });
    if (doc.numPages > limits.maxPdfPages) throw invalid(name, `has more than ${limits.maxPdfPages} pages`);
    const pages: string[] = [];
    let total = 0;
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent().catch((e: unknown) => {
        throw invalid(name, `has an unreadable page ${p} (${e instanceof Error ? e.message : String(e)})`);
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
        throw invalid(name, `holds more than ${limits.maxTextChars} characters of text`);
      pages.push(text.trim());
    }
    const text = pages.filter((t) => t !== '').join('\n\n');
    if (text.trim() === '') throw invalid(name, 'holds no text (a scanned PDF needs OCR first)');
    return text;
  } finally {
    await task.destroy();
  }
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
      text = htmlToText(decodeText(name, bytes, limits));
      break;
    case 'application/pdf':
      text = await pdfToText(name, bytes, limits);
      assertLines(name, text, limits);
      break;
  }
  if (text.trim() === '') throw invalid(name, 'holds no text');
  return { mediaType, text, sha256 };
}
