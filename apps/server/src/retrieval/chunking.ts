/**
 * Splits a document's text into passages for search: a chunk never spans two sections (a `#` heading
 * starts a new one; `#` lines inside code fences are code), paragraphs are packed together up to
 * `size` characters, a paragraph longer than that is cut at sentence or word boundaries, and the
 * next chunk of the same section repeats the last `overlap` characters of the previous one (from a
 * word boundary) so a sentence cut in two is found from either side. Identical chunks are kept once.
 */
import { createHash } from 'node:crypto';

export interface ChunkOptions {
  /** Target characters per chunk. */
  size: number;
  /** Characters of the previous chunk repeated at the start of the next one in the same section. */
  overlap: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { size: 1200, overlap: 150 };

export interface Chunk {
  /** The heading path: the document's title first, then each heading above the chunk. */
  heading: string;
  text: string;
}

interface Section {
  path: string[];
  paragraphs: string[];
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Sections by heading, each with its paragraphs (code blocks stay one paragraph). */
function sections(text: string): Section[] {
  const out: Section[] = [];
  const path: string[] = [];
  let current: Section = { path: [], paragraphs: [] };
  let paragraph: string[] = [];
  let inFence = false;
  const endParagraph = () => {
    const p = paragraph.join('\n').trim();
    if (p !== '') current.paragraphs.push(p);
    paragraph = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(line)) {
      if (!inFence) endParagraph();
      inFence = !inFence;
      paragraph.push(line);
      if (!inFence) endParagraph();
      continue;
    }
    const h = inFence ? null : HEADING.exec(line);
    if (h) {
      endParagraph();
      if (current.paragraphs.length > 0) out.push(current);
      const level = h[1]!.length;
      path.length = Math.min(path.length, level - 1);
      while (path.length < level - 1) path.push('');
      path.push(h[2]!);
      current = { path: path.filter((p) => p !== ''), paragraphs: [] };
      continue;
    }
    if (!inFence && line.trim() === '') endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  if (current.paragraphs.length > 0) out.push(current);
  return out;
}

/** Cuts text longer than `size` at the last sentence end, else the last space, before the limit. */
function cutLong(text: string, size: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const window = rest.slice(0, size);
    let at = Math.max(window.lastIndexOf('. '), window.lastIndexOf('.\n'), window.lastIndexOf('\n'));
    if (at < size / 2) at = window.lastIndexOf(' ');
    if (at < size / 2) at = size - 1;
    parts.push(rest.slice(0, at + 1).trim());
    rest = rest.slice(at + 1);
  }
  if (rest.trim() !== '') parts.push(rest.trim());
  return parts;
}

/** The last `overlap` characters of a chunk, starting at a word. */
function tail(text: string, overlap: number): string {
  if (overlap <= 0 || text.length <= overlap) return overlap <= 0 ? '' : text;
  const start = text.indexOf(' ', text.length - overlap);
  return start === -1 ? '' : text.slice(start + 1);
}

/**
 * The chunks of a document, in order.
 * @example chunkText('# Setup\n\nRun npm start.', 'guide.md') // [{ heading: 'guide.md › Setup', text: 'Run npm start.' }]
 */
export function chunkText(text: string, title: string, options: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const size = Math.max(100, options.size);
  const overlap = Math.min(Math.max(0, options.overlap), Math.floor(size / 2));
  const out: Chunk[] = [];
  const seen = new Set<string>();
  const emit = (heading: string, body: string) => {
    const key = createHash('sha256').update(body).digest('hex');
    if (body === '' || seen.has(key)) return;
    seen.add(key);
    out.push({ heading, text: body });
  };
  for (const section of sections(text)) {
    const heading = [title, ...section.path].join(' › ');
    let buffer = '';
    let carried = '';
    const flush = () => {
      if (buffer.trim() === '') return;
      emit(heading, buffer.trim());
      carried = tail(buffer.trim(), overlap);
      buffer = '';
    };
    for (const paragraph of section.paragraphs) {
      for (const piece of cutLong(paragraph, size)) {
        if (buffer !== '' && buffer.length + piece.length + 2 > size) flush();
        if (buffer === '' && carried !== '') buffer = `${carried}\n\n`;
        buffer += buffer === '' || buffer.endsWith('\n\n') ? piece : `\n\n${piece}`;
      }
    }
    flush();
  }
  return out;
}
