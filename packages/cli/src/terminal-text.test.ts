import { describe, expect, it } from 'vitest';
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
