/**
 * Seeding the demo models when two replicas start at once against one database: each demo model
 * gets one version, `production` points at it, and each model is seeded by one of them. On embedded
 * PGlite (two registries over one database) and, with TEST_DATABASE_URL, a PostgreSQL server (two
 * connection pools, as two replicas have).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.js';
import { FilesystemArtifactStore } from '../registry/artifact-store.js';
import type { ModelInspector } from '../registry/push-version.js';
import { DEFAULT_ALIAS, RegistryService } from '../registry/registry-service.js';
import { openSession } from '../serving/onnx-session.js';
import { DEMO_MODELS, seedDemoModels } from './seed-demo-models.js';

const MODELS_DIR = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'models');
const quiet = { info() {}, warn() {} };

/** The server's inspector without serving: the session is opened to read the signature, then released. */
const inspect: ModelInspector = async (bytes) => {
  const loaded = await openSession(bytes);
  return {
    inputs: loaded.inputs,
    outputs: loaded.outputs,
    adopt: () => void loaded.session.release(),
    release: () => loaded.session.release(),
  };
};

interface Replicas {
  databases: Database[];
  cleanup(): Promise<void>;
}

const backends: Array<{ name: string; open(): Promise<Replicas> }> = [
  {
    name: 'PGlite',
    async open() {
      const database = await openDatabase({ dataDir: '', inMemory: true });
      return { databases: [database, database], cleanup: () => database.close() };
    },
  },
];
const serverUrl = process.env.TEST_DATABASE_URL;
if (serverUrl) {
  backends.push({
    name: 'PostgreSQL server',
    async open() {
      const dbName = `mg_seed_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`create database ${dbName}`);
      const url = new URL(serverUrl);
      url.pathname = `/${dbName}`;
      const databases = await Promise.all(
        [0, 1].map(() => openDatabase({ url: url.toString(), dataDir: '' })),
      );
      return {
        databases,
        async cleanup() {
          for (const d of databases) await d.close();
          await admin.query(`drop database ${dbName} with (force)`);
          await admin.end();
        },
      };
    },
  });
}

describe.each(backends)('seeding the demo models from two replicas at once ($name)', (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  it('creates one version of each demo model, in production, whoever seeds it', async () => {
    const replicas = await backend.open();
    cleanups.push(replicas.cleanup);
    const artifacts = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-seed-'));
    cleanups.push(() => rm(artifacts, { recursive: true, force: true }));
    const registries = replicas.databases.map(
      (d) => new RegistryService(d.db, new FilesystemArtifactStore(artifacts), { cacheTtlMs: 0 }),
    );
    const seeded = await Promise.all(
      registries.map((r) =>
        seedDemoModels(MODELS_DIR, r, new FilesystemArtifactStore(artifacts), inspect, quiet),
      ),
    );
    expect(seeded.flat().sort()).toEqual([...DEMO_MODELS].sort());
    for (const name of DEMO_MODELS) {
      const detail = await registries[0]!.getModel(name);
      expect(detail.versions.map((v) => v.version)).toEqual([1]);
      expect(detail.description).toBeTruthy();
      expect((await registries[1]!.aliasVersion(name, DEFAULT_ALIAS))?.version).toBe(1);
    }

    // A later start finds them and leaves them alone.
    expect(
      await seedDemoModels(
        MODELS_DIR,
        registries[1]!,
        new FilesystemArtifactStore(artifacts),
        inspect,
        quiet,
      ),
    ).toEqual([]);
  });
});
