/**
 * What the full-text index reads of a chunk: its text, followed by the words hidden inside code-like
 * tokens, which PostgreSQL's parser keeps whole — `tokensPerDay` and `firstTokenMs` (camelCase),
 * `/health/live` and `apps/server` (paths). The token itself stays where it was, so a query naming it
 * exactly still matches; the words behind it let a question in plain words ("tokens per day",
 * "first token", "health") find it too. Query terms need no such treatment: a query's camelCase
 * word matches the whole token, its plain words match the parts.
 */

/** A word with a lower-case letter or digit followed by an upper-case one, or a path with a slash. */
const CODE_TOKEN = /[\p{L}\p{N}_./-]*(?:[\p{Ll}\p{N}]\p{Lu}|\/)[\p{L}\p{N}_./-]*/gu;

/** The parts of one code-like token: camelCase humps and path segments. */
export function codeTokenParts(token: string): string[] {
  return token
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((p) => p !== '');
}

/**
 * Where the parts of `text`'s code-like tokens are (the words `searchText` adds to the index), as
 * UTF-16 offsets into `text`: what a search for one of those words matched.
 */
export function* codeTokenPartSpans(text: string): Generator<{ start: number; end: number; part: string }> {
  for (const match of text.matchAll(CODE_TOKEN)) {
    const parts = codeTokenParts(match[0]);
    if (parts.length < 2) continue;
    let cursor = 0;
    for (const part of parts) {
      const at = match[0].indexOf(part, cursor);
      cursor = at + part.length;
      yield { start: match.index + at, end: match.index + cursor, part };
    }
  }
}

/** `text` and, after it, the parts of its code-like tokens (each distinct token once). */
export function searchText(text: string): string {
  const extra: string[] = [];
  const seen = new Set<string>();
  for (const [token] of text.matchAll(CODE_TOKEN)) {
    if (seen.has(token)) continue;
    seen.add(token);
    const parts = codeTokenParts(token);
    if (parts.length > 1) extra.push(parts.join(' '));
  }
  return extra.length === 0 ? text : `${text}\n${extra.join('\n')}`;
}
