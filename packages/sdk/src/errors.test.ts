// The SDK's list of server error codes is the documented list, and errors are read from both shapes.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelGardenApiError, SERVER_ERROR_CODES } from './errors.js';

describe('ModelGardenApiError', () => {
  it('knows exactly the codes docs/errors.md lists', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect([...SERVER_ERROR_CODES].sort()).toEqual(documented.sort());
  });

  it('reads the REST shape, the OIP shape and anything else', () => {
    const rest = ModelGardenApiError.fromResponse(
      'GET',
      'http://x/api/models/a',
      404,
      'Not Found',
      '{"error":{"code":"MODEL_NOT_FOUND","message":"no a","details":{"model":"a"}}}',
    );
    expect(rest).toMatchObject({
      status: 404,
      code: 'MODEL_NOT_FOUND',
      message: 'no a',
      details: { model: 'a' },
    });
    const oip = ModelGardenApiError.fromResponse(
      'POST',
      'http://x/v2/models/a/infer',
      400,
      'Bad Request',
      '{"error":"bad"}',
    );
    expect(oip).toMatchObject({ status: 400, code: 'HTTP_400', message: 'bad', details: undefined });
    const html = ModelGardenApiError.fromResponse(
      'GET',
      'http://x/',
      502,
      'Bad Gateway',
      '<html>proxy</html>',
    );
    expect(html).toMatchObject({ status: 502, code: 'HTTP_502', message: '<html>proxy</html>' });
    expect(
      ModelGardenApiError.fromResponse('GET', 'http://x/', 500, 'Internal Server Error', '').message,
    ).toBe('500 Internal Server Error');
  });
});
