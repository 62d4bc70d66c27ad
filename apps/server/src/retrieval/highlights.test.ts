import { describe, expect, it } from 'vitest';
import { rangesOf } from './highlights.js';

describe('rangesOf', () => {
  const matched = new Set(['upload']);
  it('marks the tokens whose lexemes matched', () => {
    const tokens: Array<[string, string[] | null]> = [
      ['Uploads', ['upload']],
      [' ', null],
      ['here', ['here']],
    ];
    expect(rangesOf('Uploads here', tokens, matched, {})).toEqual([[0, 7]]);
  });
  it('marks nothing when the tokens do not lay end to end into the text', () => {
    expect(
      rangesOf(
        'Uploads here',
        [
          ['Uploads', ['upload']],
          [' ', null],
        ],
        matched,
        {},
      ),
    ).toEqual([]);
    expect(
      rangesOf(
        'Uploads  here',
        [
          ['Uploads', ['upload']],
          [' here', null],
        ],
        matched,
        {},
      ),
    ).toEqual([]);
  });
  it("joins a code token's part with the token marked whole", () => {
    const tokens: Array<[string, string[] | null]> = [['uploadsPerDay', ['uploadsperday']]];
    const both = new Set(['upload', 'uploadsperday']);
    expect(rangesOf('uploadsPerDay', tokens, both, { uploads: ['upload'] })).toEqual([[0, 13]]);
    expect(rangesOf('uploadsPerDay', tokens, matched, { uploads: ['upload'] })).toEqual([[0, 7]]);
  });
});
