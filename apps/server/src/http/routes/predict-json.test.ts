import { describe, expect, it } from 'vitest';
import { predictBodySchema } from '../../contract/schemas.js';
import type { PredictResult } from '../../serving/predict-service.js';
import { plainFeatureBody, predictResultJson } from './predict.js';

describe('predictResultJson (schema-compiled serializer)', () => {
  const cases: PredictResult[] = [
    {
      model: 'iris',
      version: 3,
      predictions: [
        {
          label: 'setosa',
          probability: 0.9999812841415405,
          probabilities: [
            { label: 'setosa', probability: 0.9999812841415405 },
            { label: 'vir"ginica\\', probability: 2.393595321947828e-9 },
          ],
        },
        { value: -1.5e-12 },
        { values: [1, 0.5, -3] },
      ],
    },
    { model: 'm', version: 1, predictions: [] },
  ];

  it.each(cases)('writes the same JSON as JSON.stringify', (result) => {
    const text = predictResultJson(result);
    expect(text).toBe(JSON.stringify(result));
    expect(JSON.parse(text)).toEqual(result);
  });

  it('writes NaN and infinities as null, as JSON.stringify does', () => {
    const result: PredictResult = {
      model: 'r',
      version: 1,
      predictions: [{ value: Number.NaN, values: [1, Number.POSITIVE_INFINITY] }],
    };
    expect(JSON.parse(predictResultJson(result))).toEqual({
      model: 'r',
      version: 1,
      predictions: [{ value: null, values: [1, null] }],
    });
  });
});

describe('plainFeatureBody (the body check without zod)', () => {
  const bodies: unknown[] = [
    { inputs: { a: 1, b: 2.5 } },
    { inputs: { a: 1 }, topK: 2 },
    { topK: 100_000, inputs: {} },
    { inputs: { a: 1 }, topK: 0 },
    { inputs: { a: 1 }, topK: 1.5 },
    { inputs: { a: 1 }, topK: '2' },
    { inputs: { a: '1' } },
    { inputs: { a: null } },
    { inputs: [1, 2] },
    { inputs: [{ a: 1 }] },
    { inputs: { a: 1 }, extra: true },
    { inputs: { a: 1 }, image: 'x' },
    { image: 'aGk=' },
    { topK: 1 },
    {},
    [],
    null,
    'text',
    { inputs: null },
  ];

  it('takes only bodies the schema accepts, unchanged, and leaves the rest to the schema', () => {
    const taken: unknown[] = [];
    for (const body of bodies) {
      const fast = plainFeatureBody(body);
      if (!fast) continue;
      taken.push(body);
      const slow = predictBodySchema.safeParse(body);
      expect(slow.success).toBe(true);
      expect(fast.data).toEqual(slow.data);
    }
    expect(taken).toEqual([bodies[0], bodies[1], bodies[2]]);
    // Rejected by the schema, so the route still answers them with its VALIDATION_FAILED details.
    for (const i of [3, 4, 5, 10, 15, 16, 17, 18])
      expect(predictBodySchema.safeParse(bodies[i]).success).toBe(false);
  });
});
