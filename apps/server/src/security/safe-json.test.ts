import { describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { parseClientJson } from './safe-json.js';

const limits = { maxDepth: 8, maxKeys: 5 };

function codeOf(text: string): string {
  try {
    parseClientJson(text, limits);
  } catch (err) {
    if (err instanceof ModelGardenError) return err.code;
    throw err;
  }
  return 'OK';
}

describe('safe JSON', () => {
  it('parses ordinary JSON, brackets and colons inside strings included', () => {
    expect(parseClientJson('{"a":[1,{"b":"[[[[[[[[[[::::::"}]}', limits)).toEqual({
      a: [1, { b: '[[[[[[[[[[::::::' }],
    });
    expect(parseClientJson('"\\"{{{{{{{{{{"', limits)).toBe('"{{{{{{{{{{');
  });

  it('refuses nesting past the depth limit before parsing', () => {
    expect(codeOf(`${'['.repeat(8)}${']'.repeat(8)}`)).toBe('OK');
    expect(codeOf(`${'['.repeat(9)}${']'.repeat(9)}`)).toBe('JSON_TOO_COMPLEX');
    expect(codeOf('['.repeat(1_000_000))).toBe('JSON_TOO_COMPLEX');
  });

  it('refuses an object with too many keys', () => {
    expect(codeOf('{"a":1,"b":2,"c":3,"d":4,"e":5}')).toBe('OK');
    expect(codeOf('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}')).toBe('JSON_TOO_COMPLEX');
    expect(codeOf('[{"a":1,"b":2,"c":3},{"a":1,"b":2,"c":3}]')).toBe('OK');
    // The shortest texts past each limit are still scanned (short texts skip the scan: no valid
    // JSON that short can pass a limit).
    expect(codeOf(`{${Array(6).fill('"":0').join(',')}}`)).toBe('JSON_TOO_COMPLEX');
    expect(codeOf(' '.repeat(3) + `${'['.repeat(9)}${']'.repeat(9)}`)).toBe('JSON_TOO_COMPLEX');
    expect(codeOf('  ')).toBe('MALFORMED_JSON');
  });

  it('refuses prototype-pollution keys and leaves Object.prototype alone', () => {
    expect(codeOf('{"__proto__":{"polluted":1}}')).toBe('MALFORMED_JSON');
    expect(codeOf('{"a":{"constructor":{"prototype":{"polluted":1}}}}')).toBe('MALFORMED_JSON');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never quotes the input in its message', () => {
    for (const text of ['hunter2-secret', '{"password": hunter2-secret}', '{"a": "hunter2-secret', '']) {
      try {
        parseClientJson(text, limits);
        expect.unreachable();
      } catch (err) {
        expect((err as ModelGardenError).code).toBe('MALFORMED_JSON');
        expect((err as Error).message).not.toContain('hunter2');
      }
    }
  });
});
