import { expect, it } from 'vitest';
import { codeTokenParts, searchText } from './search-text.js';

it('splits camelCase and paths into their words', () => {
  expect(codeTokenParts('tokensPerDay')).toEqual(['tokens', 'Per', 'Day']);
  expect(codeTokenParts('HTTPServer')).toEqual(['HTTP', 'Server']);
  expect(codeTokenParts('/health/live')).toEqual(['health', 'live']);
});

it('keeps the text as it is and appends the words of its code-like tokens once', () => {
  const text = 'Set `firstTokenMs`, see /health/live and firstTokenMs again; PGlite and x-csrf-token stay.';
  expect(searchText(text)).toBe(`${text}\nfirst Token Ms\nhealth live`);
  expect(searchText('plain words only')).toBe('plain words only');
});
