import { describe, expect, it } from 'vitest';
import { sameServingConfig, servingConfigKey } from './serving-config-key.js';

describe('serving config identity', () => {
  it('ignores key order and keys set to undefined', () => {
    expect(
      sameServingConfig({ maxBatchSize: 8, executor: 'worker' }, { executor: 'worker', maxBatchSize: 8 }),
    ).toBe(true);
    expect(sameServingConfig({ maxBatchSize: 8, executor: undefined }, { maxBatchSize: 8 })).toBe(true);
  });

  it('tells different values apart', () => {
    expect(sameServingConfig({ maxBatchSize: 8 }, { maxBatchSize: 16 })).toBe(false);
    expect(sameServingConfig({ maxBatchSize: 8 }, {})).toBe(false);
    expect(servingConfigKey({})).toBe('[]');
  });
});
