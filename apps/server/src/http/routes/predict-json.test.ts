import { describe, expect, it } from 'vitest';
import type { PredictResult } from '../../serving/predict-service.js';
import { predictResultJson } from './predict.js';

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
