// A model's answer as markdown, made safe: marked renders it, DOMPurify removes every script,
// event handler and javascript: URL (raw HTML in the answer is escaped first, so it shows as text),
// highlight.js colours code blocks, images are only links. Citation markers the answer was given (`[1]`, `[1, 2]`) become
// buttons-like links `#citation-n` with `data-citation`, which the page turns into the passage.

import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import jsonLang from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import { Marked, type TokenizerAndRendererExtension } from 'marked';
import { type MouseEvent, useMemo } from 'react';
import 'highlight.js/styles/github-dark.css';
import './markdown.css';

hljs.registerLanguage('bash', bash);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', jsonLang);
hljs.registerLanguage('python', python);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('typescript', typescript);

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

// The markers of the answer being rendered and their documents' names (parsing is synchronous, so
// one variable serves).
let citationMarkers: ReadonlyMap<number, string> = new Map();

const CITATION = /^\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?!\()/;

/** `[n]` (or `[n, m]`) for a passage the answer was given; anything else stays text. */
const citationExtension: TokenizerAndRendererExtension = {
  name: 'citation',
  level: 'inline',
  start: (src) => src.indexOf('['),
  tokenizer(src) {
    const match = CITATION.exec(src);
    if (!match?.[1]) return undefined;
    const markers = match[1].split(',').map((n) => Number(n.trim()));
    if (!markers.every((n) => citationMarkers.has(n))) return undefined;
    return { type: 'citation', raw: match[0], markers };
  },
  renderer: (token) =>
    (token.markers as number[])
      .map(
        (n) =>
          `<sup><a href="#citation-${n}" class="citation-marker" data-citation="${n}" title="${escapeHtml(citationMarkers.get(n) ?? '')}">[${n}]</a></sup>`,
      )
      .join(''),
};

const marked = new Marked({
  gfm: true,
  extensions: [citationExtension],
  breaks: true,
  renderer: {
    // Raw HTML in a model's answer is shown as text, never parsed.
    html: ({ text }) => escapeHtml(text),
    // An image would be fetched as soon as it shows, so an answer (or a document it quotes) could
    // send the conversation to any server in its URL: images are links, followed only on a click.
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    code: ({ text, lang }) => {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const html = language ? hljs.highlight(text, { language }).value : hljs.highlightAuto(text).value;
      return `<pre class="hljs overflow-x-auto rounded-md bg-slate-900 p-3 text-sm text-slate-100"><code class="language-${escapeHtml(language ?? 'plaintext')}">${html}</code></pre>`;
    },
  },
});

/** Markdown → sanitised HTML: no scripts, no on* attributes, links only to http(s) and mailto. */
export function renderMarkdown(text: string, markers: ReadonlyMap<number, string> = new Map()): string {
  citationMarkers = markers;
  const html = marked.parse(text, { async: false });
  citationMarkers = new Map();
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
  });
}

// Links a model writes open in a new tab and never get the page as their opener (a citation marker
// stays on the page).
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  const href = node.tagName === 'A' ? node.getAttribute('href') : null;
  if (href && !href.startsWith('#')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

type Cited = { marker: number; documentName: string; text: string };

/** What hovering a marker shows: the document's name and the passage's start. */
const HOVER_CHARS = 280;
function hoverText(c: Cited): string {
  const passage = c.text.replace(/\s+/g, ' ').trim();
  return `${c.documentName}: ${passage.length > HOVER_CHARS ? `${passage.slice(0, HOVER_CHARS)}…` : passage}`;
}
const NO_CITATIONS: readonly Cited[] = [];

/**
 * An answer's markdown. `citations`: the passages it may cite as `[marker]`; a click on a marker
 * calls `onCite`, hovering one shows its document's name and the passage's start.
 * @example <Markdown text={answer} citations={citations} onCite={(n) => setOpen(n)} />
 */
export function Markdown({
  text,
  citations = NO_CITATIONS,
  onCite,
}: {
  text: string;
  citations?: readonly Cited[];
  onCite?: (marker: number) => void;
}) {
  const html = useMemo(
    () => renderMarkdown(text, new Map(citations.map((c) => [c.marker, hoverText(c)]))),
    [text, citations],
  );
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const marker = (event.target as HTMLElement).closest<HTMLElement>('[data-citation]');
    if (!marker || !onCite) return;
    event.preventDefault();
    onCite(Number(marker.dataset.citation));
  };
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: the markers inside are links (keyboard-reachable); this only delegates their clicks
    <div
      className="chat-markdown"
      onClick={onClick}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify in renderMarkdown
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
