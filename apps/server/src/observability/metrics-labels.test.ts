/**
 * Metric hygiene: after a varied workload (good and bad requests, unknown models and routes, both
 * protocols), every series in /metrics has bounded label values: route templates instead of URLs,
 * registered model names only, and nothing that carries ids or inputs.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const SENTINEL = 'sentinel7f3a';
let server: TestServer;
const inject = (opts: InjectOptions) => server.app.inject(opts);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** Parses the exposition format into {name, labels} per sample line. */
function series(text: string): Array<{ name: string; labels: Record<string, string> }> {
  const out: Array<{ name: string; labels: Record<string, string> }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) throw new Error(`unparseable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels });
  }
  return out;
}

describe('metric labels after a varied workload', () => {
  it('stay bounded and never carry ids or inputs', async () => {
    const rows = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
    const workload: InjectOptions[] = [
      { method: 'POST', url: '/api/models/iris/predict', payload: { inputs: rows } },
      { method: 'POST', url: '/api/models/iris/predict', payload: { inputs: { ...rows, [SENTINEL]: 1 } } },
      { method: 'POST', url: `/api/models/${SENTINEL}/predict`, payload: { inputs: rows } },
      { method: 'GET', url: `/api/models/${SENTINEL}-${Date.now()}` },
      { method: 'GET', url: `/${SENTINEL}/nothing/here?q=${SENTINEL}` },
      { method: 'GET', url: '/api/models/iris', headers: { 'x-request-id': `${SENTINEL}-req` } },
      {
        method: 'POST',
        url: '/v2/models/iris/infer',
        payload: {
          id: SENTINEL,
          inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
        },
      },
      {
        method: 'POST',
        url: '/v2/models/iris/versions/1/infer',
        payload: { inputs: [{ name: SENTINEL, shape: [1], datatype: 'FP32', data: [1] }] },
      },
      { method: 'POST', url: '/api/models/digits/predict', payload: { image: 'aGVsbG8=' } },
      { method: 'GET', url: `/v2/models/${SENTINEL}/ready` },
    ];
    for (let i = 0; i < 3; i++) for (const req of workload) await inject(req);

    const all = series((await inject({ url: '/metrics' })).body);
    expect(all.length).toBeGreaterThan(50);
    const models = new Set(['iris', 'digits']);
    for (const { name, labels } of all) {
      for (const [key, value] of Object.entries(labels)) {
        const where = `${name}{${key}="${value}"}`;
        expect(value, where).not.toContain(SENTINEL);
        expect(value, where).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // request ids
        if (key === 'http_route') expect(value === 'unmatched' || value.startsWith('/'), where).toBe(true);
        if (key === 'http_route') expect(value, where).not.toMatch(/\/(iris|digits)(\/|$)/);
        if (key === 'model') expect(models.has(value), where).toBe(true);
        if (key === 'version' && name.startsWith('modelgarden_')) expect(value, where).toMatch(/^\d{1,9}$/);
      }
    }
    const routeValues = new Set(all.flatMap((s) => (s.labels.http_route ? [s.labels.http_route] : [])));
    expect(routeValues).toContain('/api/models/:name/predict');
    expect(routeValues).toContain('unmatched');
    expect(routeValues.size).toBeLessThan(40);
  });
});
