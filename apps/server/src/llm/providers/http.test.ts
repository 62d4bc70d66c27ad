import { describe, expect, it } from 'vitest';
import { kindForStatus, networkError, retryAfter } from './http.js';

describe('retry hints', () => {
  it('reads retry-after-ms first, then retry-after as seconds or an HTTP date', () => {
    expect(retryAfter({ 'retry-after-ms': '1500.4', 'retry-after': '9' })).toBe(1500);
    expect(retryAfter({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfter({ 'retry-after': '0.5' })).toBe(500);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = retryAfter({ 'retry-after': inTenSeconds });
    expect(fromDate).toBeGreaterThan(5_000);
    expect(fromDate).toBeLessThanOrEqual(10_000);
    expect(retryAfter({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() })).toBe(0);
  });

  it('ignores what is not a hint', () => {
    expect(retryAfter({})).toBeUndefined();
    expect(retryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfter({ 'retry-after': '' })).toBeUndefined();
    expect(retryAfter({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(retryAfter({ 'retry-after': ['4', '8'] })).toBe(4000);
  });
});

describe('status and network failures', () => {
  it('maps statuses to what the router does with them', () => {
    const table = Object.fromEntries(
      [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529].map((s) => [
        s,
        kindForStatus(s),
      ]),
    );
    expect(table).toEqual({
      400: 'invalid-request',
      401: 'auth',
      402: 'auth',
      403: 'auth',
      404: 'invalid-request',
      408: 'timeout',
      409: 'server',
      413: 'invalid-request',
      422: 'invalid-request',
      429: 'rate-limited',
      500: 'server',
      502: 'server',
      503: 'server',
      504: 'server',
      529: 'server',
    });
  });

  it("tells undici's timeouts from broken connections, looking through causes", () => {
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    expect(networkError('p', wrapped)).toMatchObject({
      kind: 'timeout',
      details: { provider: 'p', upstreamCode: 'UND_ERR_CONNECT_TIMEOUT' },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(networkError('p', refused)).toMatchObject({
      kind: 'connection',
      details: { upstreamCode: 'ECONNREFUSED' },
    });
    expect(networkError('p', refused).retryable).toBe(true);
  });
});
