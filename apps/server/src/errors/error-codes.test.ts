import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './model-garden-error.js';

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes and statuses the code uses', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });
});
