import { describe, expect, it } from 'vitest';
import { scriptedProvider } from '../test-support/llm-test-provider.js';
import { ModelCatalog } from './catalog.js';

describe('ModelCatalog', () => {
  it('offers every listed model as <provider>/<id>, aliases on top, and resolves both', async () => {
    const a = scriptedProvider('a', { models: async () => [{ id: 'm1' }, { id: 'e1', kind: 'embedding' }] });
    const b = scriptedProvider('b', { models: async () => [{ id: 'm2', created: 5, ownedBy: 'org' }] });
    const catalog = new ModelCatalog(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      {
        best: { deployments: [{ model: 'a/m1', weight: 2 }], fallbacks: ['b/m2'] },
      },
    );
    await catalog.refresh();
    expect(catalog.list().map((m) => m.id)).toEqual(['best', 'a/m1', 'a/e1', 'b/m2']);
    expect(catalog.get('b/m2')).toMatchObject({ created: 5, ownedBy: 'org' });
    const route = catalog.resolve('best');
    expect(route.deployments.map((d) => [d.ref, d.provider.name, d.model, d.weight])).toEqual([
      ['a/m1', 'a', 'm1', 2],
    ]);
    expect(route.fallbacks.map((d) => d.ref)).toEqual(['b/m2']);
    expect(() => catalog.resolve('a/unknown')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(() => catalog.resolve('nobody/m')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });

  it('a provider that is down neither blocks the others nor loses its last list', async () => {
    let up = true;
    const flaky = scriptedProvider('flaky', {
      models: async () => {
        if (!up) throw new Error('connection refused');
        return [{ id: 'x' }];
      },
    });
    const dead = scriptedProvider('dead', { models: () => new Promise(() => {}) });
    const fine = scriptedProvider('fine', { models: async () => [{ id: 'y' }] });
    const catalog = new ModelCatalog(
      new Map([
        ['flaky', flaky],
        ['dead', dead],
        ['fine', fine],
      ]),
      {},
      { listTimeoutMs: 50, staticModels: { dead: ['pinned'] } },
    );
    await catalog.refresh();
    up = false;
    await catalog.refresh();
    expect(catalog.list().map((m) => m.id)).toEqual(['flaky/x', 'dead/pinned', 'fine/y']);
    const status = catalog.status();
    expect(status.find((s) => s.name === 'flaky')).toMatchObject({ models: 1, error: 'connection refused' });
    expect(status.find((s) => s.name === 'dead')).toMatchObject({ listedAt: null });
    // A provider never listed is taken at its word: the upstream's own 404 answers.
    expect(catalog.resolve('dead/anything').deployments[0]!.model).toBe('anything');
  });

  it('replace() keeps the listing of an unchanged provider, lists the new ones, and drops the removed', async () => {
    let aCalls = 0;
    const a = scriptedProvider('a', {
      models: async () => {
        aCalls++;
        return [{ id: 'm1' }];
      },
    });
    const b = scriptedProvider('b', { models: async () => [{ id: 'm2' }] });
    const catalog = new ModelCatalog(new Map([['a', a]]), {});
    await catalog.refresh();
    expect(aCalls).toBe(1);
    await catalog.replace(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      {
        both: {
          deployments: [
            { model: 'a/m1', weight: 1 },
            { model: 'b/m2', weight: 1 },
          ],
          fallbacks: [],
        },
      },
      { b: ['pinned'] },
    );
    expect(aCalls).toBe(1);
    expect(catalog.list().map((m) => m.id)).toEqual(['both', 'a/m1', 'b/m2', 'b/pinned']);
    // b removed: the alias lives on a's deployment; an alias left with none is not found.
    await catalog.replace(
      new Map([['a', a]]),
      {
        both: {
          deployments: [
            { model: 'a/m1', weight: 1 },
            { model: 'b/m2', weight: 1 },
          ],
          fallbacks: [],
        },
        onlyB: { deployments: [{ model: 'b/m2', weight: 1 }], fallbacks: [] },
      },
      {},
    );
    expect(catalog.resolve('both').deployments.map((d) => d.ref)).toEqual(['a/m1']);
    expect(() => catalog.resolve('onlyB')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(() => catalog.resolve('b/m2')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(catalog.status().map((p) => p.name)).toEqual(['a']);
  });
});
