// A model's answer as markdown, made safe: marked renders it, DOMPurify removes every script,
// event handler and javascript: URL (raw HTML in the answer is escaped first, so it shows as text),
// highlight.js colours code blocks.

import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import jsonLang from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import { Marked } from 'marked';
import { useMemo } from 'react';

hljs.registerLanguage('bash', bash);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', jsonLang);
hljs.registerLanguage('python', python);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('typescript', typescript);

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in a model's answer is shown as text, never parsed.
    html: ({ text }) => escapeHtml(text),
    code: ({ text, lang }) => {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const html = language ? hljs.highlight(text, { language }).value : hljs.highlightAuto(text).value;
      return `<pre class="hljs overflow-x-auto rounded-md bg-slate-900 p-3 text-sm text-slate-100"><code class="language-${escapeHtml(language ?? 'plaintext')}">${html}</code></pre>`;
    },
  },
});

/** Markdown → sanitised HTML: no scripts, no on* attributes, links only to http(s) and mailto. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
  });
}

// Links a model writes open in a new tab and never get the page as their opener.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify in renderMarkdown
  return <div className="chat-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
