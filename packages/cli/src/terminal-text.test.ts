import { describe, expect, it } from 'vitest';
import { table } from './output.js';
import { forTerminal, visible } from './terminal-text.js';

describe('visible', () => {
  it('shows escape sequences, carriage returns and C1 controls as symbols, keeping lines and tabs', () => {
    expect(visible('ok\x1b]52;c;aGk=\x07 \x1b[2J')).toBe('ok␛]52;c;aGk=␇ ␛[2J');
    expect(visible('safe\rEVIL\x7f\u009b31m')).toBe('safe␍EVIL␡\uFFFD31m');
    expect(visible('line 1\n\tline 2 › ünïcode [1]')).toBe('line 1\n\tline 2 › ünïcode [1]');
  });

  it('changes text only on its way to a terminal', () => {
    expect(forTerminal({ isTTY: true }, 'a\x1b[2Jb')).toBe('a␛[2Jb');
    expect(forTerminal({ isTTY: false }, 'a\x1b[2Jb')).toBe('a\x1b[2Jb');
    expect(forTerminal({}, 'a\x1b[2Jb')).toBe('a\x1b[2Jb');
  });
});

describe('table', () => {
  it("keeps each of the server's cells on its row and shows its control characters", () => {
    expect(table(['name', 'status'], [['notes\x1b[2J.txt', 'failed: bad\nline']])).toBe(
      ['NAME           STATUS', 'notes␛[2J.txt  failed: bad line'].join('\n'),
    );
  });
});
