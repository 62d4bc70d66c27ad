/**
 * The registry contract, run against embedded PGlite and, when TEST_DATABASE_URL is set, a real
 * PostgreSQL server (a fresh database per run, dropped afterwards).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { backends } from '../test-support/registry-backends.js';
import { FilesystemArtifactStore } from './artifact-store.js';
import { type NewVersion, RegistryService } from './registry-service.js';

describe.each(backends)('registry on $name', (backend) => {
  let dir: string;
  let registry: RegistryService;
  let store: FilesystemArtifactStore;
  let cleanup: () => Promise<void>;
  let database: Database;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-registry-'));
    const opened = await backend.open(dir);
    database = opened.database;
    cleanup = opened.cleanup;
    store = new FilesystemArtifactStore(path.join(dir, 'artifacts'));
    registry = new RegistryService(database.db, store);
  });
  afterAll(async () => {
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function newVersion(content: string): Promise<NewVersion> {
    const staged = await store.stage(Readable.from([Buffer.from(content)]), 1024);
    return {
      staged,
      task: 'tensor',
      description: `model ${content}`,
      labels: null,
      featureNames: null,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
      preprocessing: null,
      metrics: { accuracy: 0.5 },
      tags: { team: 'a' },
    };
  }

  it('applies migrations and answers pings', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('creates models and numbers versions from 1', async () => {
    const v1 = await registry.createVersion('alpha', await newVersion('one'));
    const v2 = await registry.createVersion('alpha', await newVersion('two'));
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const detail = await registry.getModel('alpha');
    expect(detail.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(detail).toMatchObject({ latestVersion: 2, versionCount: 2, description: 'model one' });
    expect(detail.versions[1]).toMatchObject({
      metrics: { accuracy: 0.5 },
      tags: { team: 'a' },
      sizeBytes: 3,
    });
  });

  it('keeps one artifact for identical content and verifies it on read', async () => {
    const a = await registry.createVersion('dup', await newVersion('same'));
    const b = await registry.createVersion('dup', await newVersion('same'));
    expect(a.sha256).toBe(b.sha256);
    expect(Buffer.from(await registry.readArtifact(a.sha256)).toString()).toBe('same');
    const file = path.join(dir, 'artifacts', 'sha256', a.sha256.slice(0, 2), a.sha256);
    await writeFile(file, 'tampered');
    await expect(registry.readArtifact(a.sha256)).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
  });

  it('gives concurrent pushes distinct consecutive versions', async () => {
    const inputs = await Promise.all(Array.from({ length: 8 }, (_, i) => newVersion(`c${i}`)));
    const created = await Promise.all(inputs.map((input) => registry.createVersion('concurrent', input)));
    expect(created.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('resolves production, then explicit aliases, then the latest version', async () => {
    await registry.createVersion('beta', await newVersion('b1'));
    await registry.createVersion('beta', await newVersion('b2'));
    expect((await registry.resolve('beta')).version).toBe(2);
    await registry.setAlias('beta', 'production', 1);
    expect((await registry.resolve('beta')).version).toBe(1);
    await registry.setAlias('beta', 'staging', 2);
    expect((await registry.resolve('beta', { alias: 'staging' })).version).toBe(2);
    await registry.setAlias('beta', 'production', 2);
    const detail = await registry.getModel('beta');
    expect(detail.aliases).toEqual({ production: 2, staging: 2 });
    expect(detail.versions[0]!.aliases).toEqual(['production', 'staging']);
    expect(await registry.aliasTargets('production')).toContainEqual({ model: 'beta', version: 2 });
  });

  it('fails with coded errors for unknown models, versions and aliases', async () => {
    await expect(registry.getModel('missing')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(registry.getVersion('beta', 9)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(registry.resolve('beta', { alias: 'canary' })).rejects.toMatchObject({
      code: 'ALIAS_NOT_FOUND',
    });
    await expect(registry.setAlias('beta', 'production', 9)).rejects.toMatchObject({
      code: 'VERSION_NOT_FOUND',
    });
    await expect(registry.setAlias('beta', '123', 1)).rejects.toMatchObject({ code: 'INVALID_ALIAS_NAME' });
    await expect(registry.getModel('../etc')).rejects.toMatchObject({ code: 'INVALID_MODEL_NAME' });
  });

  it('records a failed version with its reason', async () => {
    await registry.createVersion('gamma', await newVersion('g'));
    await registry.markFailed('gamma', 1, 'artifact mismatch');
    expect(await registry.getVersion('gamma', 1)).toMatchObject({
      status: 'failed',
      statusReason: 'artifact mismatch',
    });
  });

  it('lists models sorted by name with their summaries', async () => {
    const list = (await registry.listModels()).models;
    const names = list.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(list.find((m) => m.name === 'beta')).toMatchObject({
      latestVersion: 2,
      versionCount: 2,
      task: 'tensor',
    });
  });
});
