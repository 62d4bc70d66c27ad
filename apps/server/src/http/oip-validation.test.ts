/**
 * Issue 18.7 and 18.8 over HTTP: the Open Inference Protocol refuses what the REST routes refuse —
 * values a datatype cannot hold, ragged nested data, a bad `parameters.timeout`, an output asked for
 * twice — and never answers `null` for a number.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, expectClientError, startAttackServer } from '../test-support/attack-server.js';
import type { TestServer } from '../test-support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startAttackServer();
});
afterAll(() => server?.close());

const URL = '/v2/models/iris/infer';
const infer = (payload: string | object, opts: Partial<InjectOptions> = {}) =>
  server.app.inject({
    method: 'POST',
    url: URL,
    payload,
    ...opts,
    headers: { ...AUTH, 'content-type': 'application/json', ...opts.headers },
  });
const iris = (data: unknown, shape = [1, 4], extra: object = {}) => ({
  inputs: [{ name: 'input', shape, datatype: 'FP32', data }],
  ...extra,
});

describe('issue 18.7', () => {
  it.each([
    ['1e300', '[1e300, 3.5, 1.4, 0.2]'],
    ['-1e300', '[-1e300, 3.5, 1.4, 0.2]'],
    ['1e999', '[1e999, 3.5, 1.4, 0.2]'],
    ['nested 1e39', '[[5.1, 3.5, 1e39, 0.2]]'],
  ])(
    'OIP refuses FP32 values out of range (%s) with 400, never a null output (issue 18.7)',
    async (_what, data) => {
      const res = await infer(`{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":${data}}]}`);
      expectClientError(res, URL);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/out of range for FP32/);
    },
  );

  it('OIP answers the largest FP32 values, and a numeric output is never null (issue 18.7)', async () => {
    const res = await infer(iris([3.4e38, -3.4e38, 1.4, 0.2]));
    // A model whose arithmetic overflows is refused, not answered with nulls.
    expect(res.body).not.toContain('null');
    if (res.statusCode === 200) {
      for (const v of res.json().outputs[0].data) expect(Number.isFinite(v)).toBe(true);
    } else {
      expect(res.statusCode, res.body).toBe(500);
      expect(res.json().error).toMatch(/NaN or infinite/);
    }
    const fine = await infer(iris([5.1, 3.5, 1.4, 0.2]));
    expect(fine.statusCode, fine.body).toBe(200);
  });
});

describe('issue 18.8', () => {
  it.each([
    ['a short row', [[1, 2, 3], [4]], [2, 4]],
    [
      'a long row',
      [
        [1, 2, 3, 4, 5],
        [6, 7, 8],
      ],
      [2, 4],
    ],
    ["the issue's [[1,2,3],[4]] for [1,4]", [[1, 2, 3], [4]], [1, 4]],
    ['a number among rows', [[1, 2, 3, 4], 5, 6, 7, 8], [2, 4]],
    ['a row among numbers', [1, 2, 3, 4, [5, 6, 7, 8]], [2, 4]],
    ['deeper than the shape', [[[1], [2], [3], [4]]], [1, 4]],
  ])('OIP refuses ragged nested data: %s (issue 18.8)', async (_what, data, shape) => {
    const res = await infer(iris(data, shape));
    expectClientError(res, URL);
    expect(res.statusCode, res.body).toBe(400);
  });

  it.each([-1, 0, 'abc', 1.5, true, 600_000_001])(
    'OIP refuses parameters.timeout %s like REST refuses ?timeoutMs= (issue 18.8)',
    async (timeout) => {
      const res = await infer(iris([5.1, 3.5, 1.4, 0.2], [1, 4], { parameters: { timeout } }));
      expectClientError(res, URL);
      expect(res.json().error).toMatch(/parameters\.timeout/);
      const rest = await server.app.inject({
        method: 'POST',
        url: `/api/models/iris/predict?timeoutMs=${timeout}`,
        headers: AUTH,
        payload: { inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 } },
      });
      expect(rest.statusCode, rest.body).toBe(400);
    },
  );

  it('OIP takes a good parameters.timeout, and refuses the same output requested twice (issue 18.8)', async () => {
    const good = await infer(iris([5.1, 3.5, 1.4, 0.2], [1, 4], { parameters: { timeout: 5_000_000 } }));
    expect(good.statusCode, good.body).toBe(200);
    const output = good.json().outputs[0].name;
    const twice = await infer(
      iris([5.1, 3.5, 1.4, 0.2], [1, 4], { outputs: [{ name: output }, { name: output }] }),
    );
    expectClientError(twice, URL);
    expect(twice.json().error).toMatch(/requested twice/);
  });
});
