/**
 * Fuzzes every JSON endpoint in the OpenAPI document with fast-check: thousands of hostile bodies and
 * hostile path parameters. No answer is a 5xx, every error has the documented shape and never echoes
 * a request value, Object.prototype stays clean, memory stays bounded, and the server serves after.
 * Then the classes issue 18 found: malformed multipart on both multipart routes, Idempotency-Keys
 * reused across principals, and numeric values at and past each OIP datatype's range.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datatype } from '../registry/types.js';
import { decodeJsonTensor } from '../serving/tensor-codec.js';
import { INTEGER_RANGES } from '../serving/tensor-types.js';
import { AUTH, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import type { TestServer } from '../test-support/test-server.js';
import { CANARY, hostileBody, hostileMultipart } from './fuzz-bodies.js';

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

const ECHOES_IDENTIFIER = new Set([
  'INVALID_MODEL_NAME',
  'INVALID_ALIAS_NAME',
  'INVALID_VERSION',
  'INVALID_COLLECTION_NAME',
]);

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

describe('fuzzing the multipart routes (issue 18.5, 18.6)', () => {
  it.each([
    ['/api/models/iris/versions', ['file', 'metadata', 'reference']],
    ['/api/models/digits/predict', ['image']],
  ])(
    'answers malformed multipart on %s with coded 4xx errors, never a 5xx or 499',
    {
      timeout: 60_000,
    },
    async (url, names) => {
      await fc.assert(
        fc.asyncProperty(hostileMultipart(names), async ({ payload, contentType }) => {
          const res = await server.app.inject({
            method: 'POST',
            url,
            payload,
            headers: { ...AUTH, 'content-type': contentType },
          });
          // The whole body reached the server and the client waits: never CANCELLED, never a 5xx.
          expect(
            res.statusCode,
            `${contentType} ${payload.length} bytes → ${res.body.slice(0, 300)}`,
          ).not.toBe(499);
          if (res.statusCode >= 400) {
            expectClientError(res, url);
            expect(res.body).not.toContain(CANARY);
          }
        }),
        { numRuns: 150, seed: 2026_12_03 },
      );
      const iris = (await server.app.inject({ url: '/api/models/iris', headers: AUTH })).json();
      expect(iris.versionCount).toBe(1);
    },
  );
});

describe('Idempotency-Keys reused across principals (issue 18.1)', () => {
  const principals: Record<string, Record<string, string>> = { admin: AUTH, anonymous: {} };
  beforeAll(async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: AUTH,
      payload: { name: 'fuzz-member', role: 'member', team: null, password: 'a long enough password' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = await server.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: AUTH,
      payload: { name: 'fuzz', scopes: ['models:write'], user: 'fuzz-member' },
    });
    expect(key.statusCode, key.body).toBe(201);
    principals.member = { authorization: `Bearer ${key.json().key}` };
  });

  /** Valid changes (a key is claimed only once a body passes validation), by a number that varies them. */
  const changes: Array<(n: number) => { method: 'POST' | 'PATCH' | 'PUT'; url: string; payload: object }> = [
    (n) => ({ method: 'POST', url: '/api/models', payload: { name: `idem-fuzz-${n}` } }),
    (n) => ({ method: 'PATCH', url: '/api/models/iris', payload: { description: `fuzzed ${n}` } }),
    () => ({ method: 'PUT', url: '/api/models/iris/aliases/staging', payload: { version: 1 } }),
    (n) => ({
      method: 'PUT',
      url: '/api/models/iris/prediction-logging',
      payload: { enabled: n % 2 === 0, sampleRate: (n % 10) / 10, retentionDays: 1 + (n % 30) },
    }),
  ];

  it("never replays one principal's answer to another, nor refuses another's first use", {
    timeout: 60_000,
  }, async () => {
    let run = 0;
    let replays = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: changes.length - 1 }),
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.shuffledSubarray(['admin', 'member', 'anonymous'], { minLength: 3, maxLength: 3 }),
        async (which, key, [a, b, c]) => {
          run++;
          const k = `${key}-${run}`;
          const send = (who: string, n: number) => {
            const change = changes[which]!(n);
            return server.app.inject({
              ...change,
              headers: { ...principals[who!], 'idempotency-key': k },
            });
          };
          const first = await send(a!, run * 2);
          // Another principal, another body, the same key: its own first use.
          const other = await send(b!, run * 2 + 1);
          expect(other.headers['idempotent-replayed'], `${b} after ${a}`).toBeUndefined();
          if (other.statusCode === 422) expect(other.json().error.code).not.toBe('IDEMPOTENCY_KEY_REUSED');
          // A third principal, the first one's body: not the first one's answer.
          const same = await send(c!, run * 2);
          expect(same.headers['idempotent-replayed'], `${c} after ${a}`).toBeUndefined();
          // The key still works for its owner (so the checks above are not vacuous).
          const again = await send(a!, run * 2);
          if (first.statusCode < 500 && first.statusCode !== 401 && first.statusCode !== 403) {
            expect(again.headers['idempotent-replayed'], `${a}: ${first.statusCode} ${first.body}`).toBe(
              'true',
            );
            expect(again.body).toBe(first.body);
            replays++;
          }
        },
      ),
      { numRuns: 40, seed: 2026_12_04 },
    );
    expect(replays).toBeGreaterThan(20);
  });
});

describe('numeric range per OIP datatype (issue 18.7)', () => {
  const FLOAT_LIMITS: Partial<Record<Datatype, number>> = {
    FP16: 65504,
    FP32: 3.4028234663852886e38,
    FP64: Number.MAX_VALUE,
  };
  /** Whether a JSON number fits the datatype: the oracle the decoder must agree with. */
  const fits = (datatype: Datatype, v: number): boolean => {
    const limit = FLOAT_LIMITS[datatype];
    if (limit !== undefined) return Math.abs(v) <= limit;
    const [min, max] = INTEGER_RANGES[datatype]!;
    return Number.isInteger(v) && BigInt(min) <= BigInt(v) && BigInt(v) <= BigInt(max);
  };
  const edges = [65504, 65505, 3.4028234663852886e38, 3.5e38, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, 127.5];
  const value = fc.oneof(
    fc.double({ noNaN: true }),
    fc.integer(),
    fc.constantFrom(...edges, ...edges.map((e) => -e), -1, 0, 255, 256, 1e300, Number.POSITIVE_INFINITY),
  );
  const datatypes = [...Object.keys(FLOAT_LIMITS), ...Object.keys(INTEGER_RANGES)] as Datatype[];

  it.each(datatypes)('%s takes exactly the values it can hold', (datatype) => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), (values) => {
        const decode = () =>
          decodeJsonTensor(
            { name: 'x', datatype, shape: [values.length], data: values },
            { name: 'x', datatype, shape: [-1] },
          );
        if (values.every((v) => fits(datatype, v))) expect(decode).not.toThrow();
        else expect(decode).toThrow(/out of range|must be an integer/);
      }),
      { numRuns: 300, seed: 2026_12_05 },
    );
  });

  it('the OIP route answers FP32 values it can hold and refuses the rest, never with a null', {
    timeout: 60_000,
  }, async () => {
    const text = (v: number) => (Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '1e999' : '-1e999');
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 4, maxLength: 4 }), async (values) => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/v2/models/iris/infer',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[${values.map(text).join(',')}]}]}`,
        });
        expect(res.body).not.toContain('null');
        if (!values.every((v) => fits('FP32', v))) expect(res.statusCode, res.body).toBe(400);
        // In range: an answer, or (the model's own arithmetic overflowing) INFERENCE_FAILED.
        else expect([200, 500], res.body).toContain(res.statusCode);
      }),
      { numRuns: 150, seed: 2026_12_06 },
    );
  });
});
