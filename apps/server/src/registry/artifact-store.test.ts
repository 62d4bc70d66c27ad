import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from './artifact-store.js';

describe('FilesystemArtifactStore', () => {
  let dir: string;
  let store: FilesystemArtifactStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-store-'));
    store = new FilesystemArtifactStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stages with the right hash and size, and commits under the hash', async () => {
    const data = Buffer.from('hello artifact');
    const staged = await store.stage(Readable.from([data.subarray(0, 5), data.subarray(5)]), 100);
    expect(staged.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(staged.sizeBytes).toBe(data.length);
    expect(await store.has(staged.sha256)).toBe(false);
    await store.commit(staged);
    expect(await store.has(staged.sha256)).toBe(true);
    expect(Buffer.from(await store.read(staged.sha256)).toString()).toBe('hello artifact');
  });

  it('refuses a stream over the limit and leaves no temp file behind', async () => {
    await expect(store.stage(Readable.from([Buffer.alloc(50), Buffer.alloc(60)]), 100)).rejects.toMatchObject(
      {
        code: 'PAYLOAD_TOO_LARGE',
      },
    );
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('reports a missing artifact as ARTIFACT_CORRUPT and refuses ids that are not hashes', async () => {
    await expect(store.read('a'.repeat(64))).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
    await expect(store.read('../../etc/passwd')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
