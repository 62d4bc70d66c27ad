import { describe, expect, it } from 'vitest';
import { ResolveCache } from './resolve-cache.js';

describe('ResolveCache', () => {
  it('peeks a loaded value without loading, until it expires; failed loads are not kept', async () => {
    let clock = 0;
    const cache = new ResolveCache<string>(1000, () => clock);
    expect(cache.peek('a')).toBeUndefined();
    let loads = 0;
    const load = async () => `v${++loads}`;
    const pending = cache.get('a', load);
    expect(cache.peek('a')).toBeUndefined(); // still loading: peek never waits
    expect(await pending).toBe('v1');
    expect(cache.peek('a')).toBe('v1');
    expect(await cache.get('a', load)).toBe('v1'); // cached: no second load
    clock = 1001;
    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.get('a', load)).toBe('v2');

    await expect(cache.get('b', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.peek('b')).toBeUndefined();
    expect(await cache.get('b', load)).toBe('v3');
  });
});
