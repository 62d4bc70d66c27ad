/** The context message retrieval-augmented chat gives the LLM: where it goes, its markers, no match. */
import { describe, expect, it } from 'vitest';
import type { Citation } from '../contract/chat-extension-schemas.js';
import { contextMessage, lastUserText, withContext } from './retrieval-context.js';

const cite = (marker: number, text: string): Citation => ({
  marker,
  collection: 'docs',
  documentId: `d${marker}`,
  documentName: 'llm.md',
  chunkIndex: marker,
  heading: `llm.md › Part ${marker}`,
  text,
  score: 1 / marker,
});

describe('retrieval context', () => {
  it("searches with the last user message's text parts", () => {
    expect(
      lastUserText([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
            { type: 'text', text: 'this? ' },
          ],
        },
      ]),
    ).toBe('what is\nthis?');
    expect(lastUserText([{ role: 'system', content: 'x' }])).toBe('');
  });

  it("goes after the caller's leading system and developer messages", () => {
    const placed = withContext(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'JSON only.' },
        { role: 'user', content: 'q' },
        { role: 'system', content: 'late' },
      ],
      'CONTEXT',
    );
    expect(placed.map((m) => m.content)).toEqual(['Be brief.', 'JSON only.', 'CONTEXT', 'q', 'late']);
    expect(withContext([{ role: 'user', content: 'q' }], 'CONTEXT')[0]).toEqual({
      role: 'system',
      content: 'CONTEXT',
    });
  });

  it('numbers every passage and names only markers that exist', () => {
    const two = contextMessage(['docs'], [cite(1, 'Alpha text.'), cite(2, 'Beta text.')]);
    expect(two).toContain('[1] llm.md › Part 1 (docs: llm.md)\nAlpha text.');
    expect(two).toContain('[2] llm.md › Part 2 (docs: llm.md)\nBeta text.');
    expect(new Set(two.match(/\[\d+\]/g))).toEqual(new Set(['[1]', '[2]']));
    const one = contextMessage(['docs', 'handbook'], [cite(1, 'Alpha text.')]);
    expect(new Set(one.match(/\[\d+\]/g))).toEqual(new Set(['[1]']));
    expect(one).toContain('knowledge bases "docs", "handbook"');
  });

  it('says that nothing matched, with no markers, when there are no passages', () => {
    const none = contextMessage(['docs'], []);
    expect(none).toContain('No passage of the knowledge base "docs" matches');
    expect(none).not.toMatch(/\[\d+\]/);
  });
});
