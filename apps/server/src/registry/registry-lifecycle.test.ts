/**
 * The registry lifecycle contract (aliases with history and rollback, splits, schema checks,
 * archive/delete, metadata edits, search), run on PGlite and, with TEST_DATABASE_URL, PostgreSQL.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../test-support/registry-backends.js';
import { FilesystemArtifactStore } from './artifact-store.js';
import { type NewVersion, type RegistryChange, RegistryService } from './registry-service.js';
import type { TensorSpec } from './types.js';

const X2: TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }];
const X3: TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }];

describe.each(backends)('registry lifecycle on $name', (backend) => {
  let dir: string;
  let registry: RegistryService;
  let store: FilesystemArtifactStore;
  let cleanup: () => Promise<void>;
  const changes: RegistryChange[] = [];
  const prepared: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-lifecycle-'));
    const opened = await backend.open(dir);
    cleanup = opened.cleanup;
    store = new FilesystemArtifactStore(path.join(dir, 'artifacts'));
    registry = new RegistryService(opened.database.db, store, { cacheTtlMs: 60_000 });
    registry.onChange((c) => changes.push(c));
    registry.prepareTargetsWith(async (versions) => {
      for (const v of versions) prepared.push(`${v.model}@${v.version}`);
    });
  });
  afterAll(async () => {
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function push(model: string, content: string, inputs = X2, featureNames: string[] | null = null) {
    const staged = await store.stage(Readable.from([Buffer.from(content)]), 1024);
    const input: NewVersion = {
      staged,
      task: 'tensor',
      description: null,
      labels: null,
      featureNames,
      inputs,
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
      preprocessing: null,
      metrics: {},
      tags: {},
    };
    return registry.createVersion(model, input);
  }

  it('answers cached resolutions without waiting, and none it has not resolved', async () => {
    await push('cached', 'c1');
    await push('cached', 'c2');
    await registry.setAlias('cached', 'production', 1);
    expect(registry.resolveCached('cached', { alias: 'production' })).toBeUndefined();
    const resolved = await registry.resolve('cached', { alias: 'production' });
    expect(registry.resolveCached('cached', { alias: 'production' })).toEqual(resolved);
    expect(registry.resolveCached('cached', { version: 2 })).toBeUndefined();
    // Moving the alias drops the cached routes: the next answer comes from the database again.
    await registry.setAlias('cached', 'production', 2);
    expect(registry.resolveCached('cached', { alias: 'production' })).toBeUndefined();
    expect((await registry.resolve('cached', { alias: 'production' })).version).toBe(2);
    expect(registry.resolveCached('cached', { alias: 'production' })?.version).toBe(2);
    expect(() => registry.resolveCached('cached', { alias: '12' })).toThrow(/Invalid alias/);
  });

  it('records alias history and rolls back to the previous target in one call', async () => {
    await push('hist', 'h1');
    await push('hist', 'h2');
    await registry.setAlias('hist', 'production', 1);
    prepared.length = 0;
    await registry.setAlias('hist', 'production', 2);
    expect(prepared).toEqual(['hist@2']);
    expect(changes.at(-1)).toEqual({
      kind: 'alias',
      model: 'hist',
      alias: 'production',
      version: 2,
      versions: [2],
    });
    const back = await registry.rollbackAlias('hist', 'production');
    expect(back).toMatchObject({ version: 1, targets: [{ version: 1, weight: 100 }] });
    expect((await registry.resolve('hist')).version).toBe(1);
    const history = await registry.aliasHistory('hist', 'production');
    expect(history.map((h) => [h.action, h.fromVersion, h.toVersion, h.actor])).toEqual([
      ['rollback', 2, 1, null],
      ['set', 1, 2, null],
      ['set', null, 1, null],
    ]);
    expect(Date.parse(history[0]!.at)).toBeGreaterThan(0);
  });

  it('refuses a rollback with nothing to go back to', async () => {
    await push('norollback', 'n1');
    await registry.setAlias('norollback', 'production', 1);
    await expect(registry.rollbackAlias('norollback', 'production')).rejects.toMatchObject({
      code: 'NO_ROLLBACK_TARGET',
    });
    await expect(registry.rollbackAlias('norollback', 'staging')).rejects.toMatchObject({
      code: 'NO_ROLLBACK_TARGET',
    });
  });

  it('removes an alias, and rollback restores it', async () => {
    await push('gone', 'g1');
    await registry.setAlias('gone', 'staging', 1);
    await registry.deleteAlias('gone', 'staging');
    await expect(registry.resolve('gone', { alias: 'staging' })).rejects.toMatchObject({
      code: 'ALIAS_NOT_FOUND',
    });
    await expect(registry.deleteAlias('gone', 'staging')).rejects.toMatchObject({ code: 'ALIAS_NOT_FOUND' });
    await registry.rollbackAlias('gone', 'staging');
    expect((await registry.resolve('gone', { alias: 'staging' })).version).toBe(1);
  });

  it('splits traffic by weight within 3 % over 10,000 resolutions', async () => {
    await push('split', 's1');
    await push('split', 's2');
    await push('split', 's3');
    const info = await registry.setAlias('split', 'production', {
      targets: [
        { version: 1, weight: 90 },
        { version: 2, weight: 10 },
      ],
      shadow: { version: 3 },
    });
    expect(info).toMatchObject({ version: 1, shadow: { version: 3, percent: 100 } });
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const r = await registry.route('split');
      counts.set(r.version.version, (counts.get(r.version.version) ?? 0) + 1);
      expect(r.shadow?.version.version).toBe(3);
    }
    expect(Math.abs((counts.get(2) ?? 0) / 10_000 - 0.1)).toBeLessThan(0.03);
    expect(counts.get(3)).toBeUndefined();
    expect((await registry.getModel('split')).aliases).toEqual({ production: 1 });
    expect(await registry.aliasTargets('production')).toEqual(
      expect.arrayContaining([
        { model: 'split', version: 2 },
        { model: 'split', version: 3 },
      ]),
    );
  });

  it('rejects malformed routes with INVALID_ALIAS_ROUTE', async () => {
    const bad = [
      {},
      { version: 1, targets: [{ version: 1, weight: 1 }] },
      {
        targets: [
          { version: 1, weight: 1 },
          { version: 1, weight: 2 },
        ],
      },
      { targets: [{ version: 1, weight: 0 }] },
      { version: 1, shadow: { version: 1 } },
    ];
    for (const route of bad) {
      await expect(registry.setAlias('split', 'canary', route)).rejects.toMatchObject({
        code: 'INVALID_ALIAS_ROUTE',
      });
    }
  });

  it('needs force to move an alias to a version with different inputs', async () => {
    await push('schema', 'a', X2, ['a', 'b']);
    await registry.setAlias('schema', 'production', 1);
    await push('schema', 'b', X2, ['b', 'a']);
    const v3 = await push('schema', 'c', X3);
    await expect(registry.setAlias('schema', 'production', 3)).rejects.toMatchObject({
      code: 'SCHEMA_CHANGE_NEEDS_FORCE',
      details: { diff: { changed: [{ name: 'x', before: X2[0], after: X3[0] }] } },
    });
    await expect(registry.setAlias('schema', 'production', 2)).rejects.toMatchObject({
      code: 'SCHEMA_CHANGE_NEEDS_FORCE',
      details: { diff: { featureNames: { before: ['a', 'b'], after: ['b', 'a'] } } },
    });
    expect(v3.version).toBe(3);
    expect((await registry.setAlias('schema', 'production', 3, { force: true })).version).toBe(3);
    // A new alias has nothing to compare with.
    expect((await registry.setAlias('schema', 'staging', 1)).version).toBe(1);
  });

  it('archives (stops serving, keeps the artifact) and refuses while an alias uses the version', async () => {
    const v1 = await push('arch', 'arch-1');
    await push('arch', 'arch-2');
    await registry.setAlias('arch', 'production', 1);
    await expect(registry.archiveVersion('arch', 1)).rejects.toMatchObject({
      code: 'VERSION_IN_USE',
      details: { aliases: ['production'] },
    });
    const archived = await registry.archiveVersion('arch', 2);
    expect(archived).toMatchObject({ archived: true });
    expect(changes.at(-1)).toEqual({ kind: 'version', model: 'arch', version: 2, status: 'archived' });
    await expect(registry.resolve('arch', { version: 2 })).rejects.toMatchObject({
      code: 'VERSION_ARCHIVED',
    });
    await expect(registry.setAlias('arch', 'staging', 2)).rejects.toMatchObject({ code: 'VERSION_ARCHIVED' });
    expect(await store.has(archived.sha256)).toBe(true);
    await registry.restoreVersion('arch', 2);
    expect((await registry.resolve('arch', { version: 2 })).version).toBe(2);
    expect(v1.archived).toBe(false);
  });

  it('deletes a version only when no alias uses it, and its artifact only when no version shares it', async () => {
    const a = await push('del', 'shared-bytes');
    const b = await push('del', 'shared-bytes');
    const c = await push('del', 'own-bytes');
    await registry.setAlias('del', 'production', 1);
    await registry.setAlias('del', 'canary', { version: 3, shadow: { version: 2, percent: 5 } });
    await expect(registry.deleteVersion('del', 1)).rejects.toMatchObject({ code: 'VERSION_IN_USE' });
    await expect(registry.deleteVersion('del', 2)).rejects.toMatchObject({ code: 'VERSION_IN_USE' });
    await registry.deleteAlias('del', 'canary');
    expect(await registry.deleteVersion('del', 2)).toEqual({ artifactRemoved: false });
    expect(await store.has(a.sha256)).toBe(true);
    expect(b.sha256).toBe(a.sha256);
    expect(await registry.deleteVersion('del', 3)).toEqual({ artifactRemoved: true });
    expect(existsSync(path.join(dir, 'artifacts', 'sha256', c.sha256.slice(0, 2), c.sha256))).toBe(false);
    expect(changes.at(-1)).toEqual({ kind: 'version', model: 'del', version: 3, status: 'deleted' });
    await expect(registry.getVersion('del', 3)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    // Numbers are never reused: the next push is 4.
    expect((await push('del', 'after')).version).toBe(4);
  });

  it('edits version metadata and checks it against the schema', async () => {
    await push('meta', 'm1');
    const v = await registry.updateVersion('meta', 1, {
      description: 'retrained',
      metrics: { f1: 0.9 },
      tags: { owner: 'ml' },
      featureNames: ['a', 'b'],
    });
    expect(v).toMatchObject({ description: 'retrained', metrics: { f1: 0.9 }, tags: { owner: 'ml' } });
    expect(v.featureNames).toEqual(['a', 'b']);
    await expect(
      registry.updateVersion('meta', 1, { task: 'tabular-regression', featureNames: ['a', 'b', 'c'] }),
    ).rejects.toMatchObject({
      code: 'INVALID_METADATA',
    });
    expect((await registry.updateVersion('meta', 1, { description: null })).description).toBeNull();
  });

  it('creates, tags, searches and pages models', async () => {
    await registry.createModel('fraud-detector', { description: 'Card fraud', tags: { team: 'risk' } });
    await expect(registry.createModel('fraud-detector', {})).rejects.toMatchObject({ code: 'MODEL_EXISTS' });
    await registry.updateModel('fraud-detector', { tags: { team: 'risk', tier: 'gold' } });
    expect((await registry.listModels({ q: 'FRAUD' })).models.map((m) => m.name)).toEqual(['fraud-detector']);
    expect((await registry.listModels({ q: 'card' })).total).toBe(1);
    expect((await registry.listModels({ tag: 'tier:gold' })).models.map((m) => m.name)).toEqual([
      'fraud-detector',
    ]);
    expect((await registry.listModels({ tag: 'tier:silver' })).total).toBe(0);
    expect((await registry.listModels({ tag: 'team' })).total).toBe(1);
    expect((await registry.listModels({ task: 'tensor' })).models.every((m) => m.task === 'tensor')).toBe(
      true,
    );
    expect((await registry.listModels({ q: '%' })).total).toBe(0);
    const all = await registry.listModels();
    const page = await registry.listModels({ limit: 2, offset: 1 });
    expect(page).toMatchObject({ limit: 2, offset: 1, total: all.total });
    expect(page.models.map((m) => m.name)).toEqual(all.models.slice(1, 3).map((m) => m.name));
  });

  it('flags nothing itself: the schema flag is set by pushVersion (see api tests)', async () => {
    expect((await push('flagless', 'f')).schemaChange).toBeNull();
  });

  it('tells listeners when a model changes who may see it', async () => {
    await push('access-feed', 'a');
    changes.length = 0;
    await registry.access.set('access-feed', { visibility: 'team', team: 'red' });
    expect(changes).toEqual([
      { kind: 'access', model: 'access-feed', access: { visibility: 'team', team: 'red' } },
    ]);
    await expect(registry.access.set('no-such-model', { visibility: 'public', team: null })).rejects.toThrow(
      /not found/,
    );
    expect(changes).toHaveLength(1);
  });
});
