/**
 * A serving config's identity by value: jsonb does not keep key order, and a key set to undefined
 * means the same as an absent one. The route resolver and hot swap both decide "did it change?" by it.
 */
import type { ServingConfig } from './types.js';

export function servingConfigKey(config: ServingConfig): string {
  const entries = Object.entries(config)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

export function sameServingConfig(a: ServingConfig, b: ServingConfig): boolean {
  return servingConfigKey(a) === servingConfigKey(b);
}
