/**
 * The attack suite's server: the real stack with the demo models, an admin key for writes (so the
 * suite runs whatever the access policy), no rate limit, and helpers that check the error shape.
 */
import { expect } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

export const ADMIN_KEY = 'mg-attack-suite-admin-key-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };

export function startAttackServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({
    maxUploadMb: 1,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '0', ...env },
  });
}

interface Answer {
  statusCode: number;
  body: string;
}

/** A 4xx with the REST shape `{"error": {"code", "message"}}`, or OIP's `{"error": "…"}` under /v2. */
export function expectClientError(res: Answer, url: string, code?: string): void {
  expect(res.statusCode, `${url} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${url} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
  const body = JSON.parse(res.body) as { error: unknown };
  if (url.startsWith('/v2')) {
    expect(typeof body.error, res.body).toBe('string');
    return;
  }
  const error = body.error as { code: unknown; message: unknown };
  expect(typeof error.code, res.body).toBe('string');
  expect(typeof error.message, res.body).toBe('string');
  if (code) expect(error.code, res.body).toBe(code);
}
