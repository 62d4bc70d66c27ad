/**
 * Fuzzes every JSON endpoint in the OpenAPI document with fast-check: thousands of hostile bodies and
 * hostile path parameters. No answer is a 5xx, every error has the documented shape and never echoes
 * a request value, Object.prototype stays clean, memory stays bounded, and the server serves after.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import type { TestServer } from '../test-support/test-server.js';
import { CANARY, hostileBody } from './fuzz-bodies.js';

/** Requests across all endpoints; each endpoint gets its share. */
const TOTAL_RUNS = 3000;

interface Operation {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  keys: string[];
}

const REAL_PARAMS: Record<string, string[]> = {
  name: ['iris', 'digits', 'nope'],
  version: ['1', '2'],
  alias: ['production', 'staging'],
  id: ['1', 'abc'],
};
const HOSTILE_PARAMS = [
  '%2e%2e%2f%2e%2e%2fetc',
  '..%2f',
  'iris%00',
  '%00',
  '%ff',
  'x'.repeat(120),
  encodeURIComponent('ｉｒｉｓ'),
  encodeURIComponent('\u202eiris'),
  '-1',
  '0',
  '99999999999999999999',
  'NaN',
  'v1',
  '__proto__',
  'constructor',
];
const QUERIES = [
  '',
  '?version=NaN',
  '?alias=%00',
  '?timeoutMs=-1',
  '?version=1e309',
  '?alias=__proto__',
  '?x=1&x=2',
];

const ECHOES_IDENTIFIER = new Set(['INVALID_MODEL_NAME', 'INVALID_ALIAS_NAME', 'INVALID_VERSION']);

let server: TestServer;
let operations: Operation[] = [];

type Schema = { $ref?: string; properties?: Record<string, unknown>; anyOf?: Schema[]; oneOf?: Schema[] };

function topLevelKeys(schema: Schema | undefined, components: Record<string, Schema>, depth = 0): string[] {
  if (!schema || depth > 4) return [];
  if (schema.$ref) return topLevelKeys(components[schema.$ref.split('/').pop() ?? ''], components, depth + 1);
  const own = Object.keys(schema.properties ?? {});
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  return [...new Set([...own, ...alternatives.flatMap((s) => topLevelKeys(s, components, depth + 1))])];
}

beforeAll(async () => {
  server = await startAttackServer();
  const doc = (await server.app.inject({ url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>
    >;
    components?: { schemas?: Record<string, Schema> };
  };
  const components = doc.components?.schemas ?? {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const upper = method.toUpperCase();
      if (upper !== 'POST' && upper !== 'PUT' && upper !== 'PATCH') continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      operations.push({ method: upper, path, keys: topLevelKeys(schema, components) });
    }
  }
  // The friendly predict route takes JSON or multipart, so its body is not in the document.
  const predict = operations.find((o) => o.path === '/api/models/{name}/predict');
  if (predict) predict.keys = ['inputs', 'image', 'images', 'topK'];
  operations = operations.filter((o) => !o.path.startsWith('/api/session')); // would end our own login
});
afterAll(() => server?.close());

function fillPath(path: string): fc.Arbitrary<string> {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const values = names.map((n) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...(REAL_PARAMS[n] ?? ['1'])) },
      fc.constantFrom(...HOSTILE_PARAMS),
    ),
  );
  return fc.tuple(fc.tuple(...values), fc.constantFrom(...QUERIES)).map(([vals, query]) => {
    let i = 0;
    return path.replace(/\{(\w+)\}/g, () => vals[i++] as string) + query;
  });
}

/** Counterexamples print the first 200 characters of a body, not all of a 300,000-element array. */
function shortlyPrinted(payload: string) {
  return { payload, [fc.toStringMethod]: () => JSON.stringify(payload.slice(0, 200)) };
}

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('fuzzing every JSON endpoint', () => {
  it('finds the JSON endpoints in the OpenAPI document', () => {
    const paths = operations.map((o) => `${o.method} ${o.path}`);
    expect(paths).toContain('POST /v2/models/{name}/infer');
    expect(paths).toContain('POST /api/models/{name}/predict');
    expect(paths).toContain('PUT /api/models/{name}/aliases/{alias}');
    expect(operations.length).toBeGreaterThanOrEqual(8);
  });

  it('answers thousands of hostile bodies with coded 4xx errors, never a 5xx', {
    timeout: 120_000,
  }, async () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const runsEach = Math.ceil(TOTAL_RUNS / operations.length);
    let sent = 0;
    const statuses = new Map<number, number>();
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          fillPath(op.path),
          hostileBody(op.keys).map(shortlyPrinted),
          async (url, { payload }) => {
            const res = await server.app.inject({
              method: op.method,
              url,
              payload,
              headers: { ...AUTH, 'content-type': 'application/json' },
            });
            sent++;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            expect(
              res.statusCode,
              `${op.method} ${url} ${payload.slice(0, 200)} → ${res.body.slice(0, 300)}`,
            ).toBeLessThan(500);
            if (res.statusCode >= 400) {
              expectClientError(res, url);
              // Only identifier errors quote the (truncated) identifier; nothing else echoes a value.
              const code = url.startsWith('/v2')
                ? ''
                : (res.json() as { error: { code: string } }).error.code;
              if (!ECHOES_IDENTIFIER.has(code))
                expect(res.body, `${op.method} ${url} echoed a request value`).not.toContain(CANARY);
              expect(res.body.length, `${op.method} ${url} answered a long error`).toBeLessThan(8192);
            }
          },
        ),
        { numRuns: runsEach, seed: 20260528 + sent },
      );
    }
    expect(sent).toBeGreaterThanOrEqual(TOTAL_RUNS);
    // The bodies must reach the routes' validation, not stop at access control.
    const denied = (statuses.get(401) ?? 0) + (statuses.get(403) ?? 0);
    expect(denied, JSON.stringify([...statuses])).toBeLessThan(sent / 10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(sent / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    collectGarbage();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(
      grownMb,
      `heap grew ${grownMb.toFixed(0)} MB; statuses ${JSON.stringify([...statuses])}`,
    ).toBeLessThan(256);
  });

  it('still serves afterwards', async () => {
    expect((await server.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    const res = await server.app.inject({
      method: 'POST',
      url: '/v2/models/iris/infer',
      payload: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});
