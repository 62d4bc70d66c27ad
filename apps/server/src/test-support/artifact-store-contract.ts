/**
 * The artifact-store contract: one suite every store implementation passes (filesystem, S3).
 * Each store file's test calls it with a factory for a fresh, empty store.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../registry/artifact-store.js';
import type { SweepableStore } from '../registry/artifact-sweep.js';

export type ContractStore = ArtifactStore & SweepableStore;

export interface ContractSubject {
  store: ContractStore;
  /** Replaces a stored artifact's bytes behind the store's back (to prove read() verifies). */
  corrupt(sha256: string, bytes: Buffer): Promise<void>;
  cleanup(): Promise<void>;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const stream = (...chunks: Buffer[]) => Readable.from(chunks);

export function artifactStoreContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`${name} (artifact-store contract)`, () => {
    let subject: ContractSubject;
    let store: ContractStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(() => subject.cleanup());

    const temporaryFiles = async () => (await store.list()).filter((f) => f.sha256 === null);

    it('stages with the right hash and size, and commits under the hash', async () => {
      const data = Buffer.from('hello artifact');
      const staged = await store.stage(stream(data.subarray(0, 5), data.subarray(5)), 100);
      expect(staged.sha256).toBe(sha(data));
      expect(staged.sizeBytes).toBe(data.length);
      expect(await store.has(staged.sha256)).toBe(false);
      await store.commit(staged);
      expect(await store.has(staged.sha256)).toBe(true);
      expect(Buffer.from(await store.read(staged.sha256)).toString()).toBe('hello artifact');
      expect(await temporaryFiles()).toEqual([]);
    });

    it('refuses a stream over the limit and leaves no temp file behind', async () => {
      await expect(store.stage(stream(Buffer.alloc(50), Buffer.alloc(60)), 100)).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      expect(await temporaryFiles()).toEqual([]);
    });

    it('reports a missing artifact as ARTIFACT_CORRUPT and refuses ids that are not hashes', async () => {
      await expect(store.read('a'.repeat(64))).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
      await expect(store.read('../../etc/passwd')).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(await store.has('../x')).toBe(false);
    });

    it('stores identical content once: a second commit is a no-op that drops its staged file', async () => {
      const data = Buffer.from('same bytes twice');
      const first = await store.stage(stream(data), 100);
      const second = await store.stage(stream(data), 100);
      await store.commit(first);
      await store.commit(second);
      expect(Buffer.from(await store.read(first.sha256)).equals(data)).toBe(true);
      const entries = (await store.list()).filter((f) => f.sha256 === first.sha256);
      expect(entries).toHaveLength(1);
      expect(await temporaryFiles()).toEqual([]);
    });

    it('discards a staged file without storing it', async () => {
      const staged = await store.stage(stream(Buffer.from('never committed')), 100);
      expect(await temporaryFiles()).toHaveLength(1);
      await store.discard(staged);
      expect(await temporaryFiles()).toEqual([]);
      expect(await store.has(staged.sha256)).toBe(false);
    });

    it('removes an artifact, and removing a missing one is fine', async () => {
      const staged = await store.stage(stream(Buffer.from('to be removed')), 100);
      await store.commit(staged);
      await store.remove(staged.sha256);
      expect(await store.has(staged.sha256)).toBe(false);
      await store.remove(staged.sha256);
      await expect(store.read(staged.sha256)).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
    });

    it('verifies the sha256 on read: altered bytes are ARTIFACT_CORRUPT', async () => {
      const staged = await store.stage(stream(Buffer.from('original bytes')), 100);
      await store.commit(staged);
      await subject.corrupt(staged.sha256, Buffer.from('tampered bytes'));
      await expect(store.read(staged.sha256)).rejects.toMatchObject({
        code: 'ARTIFACT_CORRUPT',
        message: expect.stringContaining('fails verification'),
      });
      await store.remove(staged.sha256);
    });

    it('lists committed artifacts and temp files for the sweep, and deletes what it is handed', async () => {
      const committed = await store.stage(stream(Buffer.from('listed artifact')), 100);
      await store.commit(committed);
      await store.stage(stream(Buffer.from('an unfinished upload')), 100);
      const entries = await store.list();
      const artifact = entries.find((f) => f.sha256 === committed.sha256);
      const temporary = entries.filter((f) => f.sha256 === null);
      expect(artifact?.mtimeMs).toBeGreaterThan(Date.now() - 5 * 60_000);
      expect(temporary).toHaveLength(1);
      for (const file of [artifact!, ...temporary]) await store.removeFile(file);
      expect(await store.has(committed.sha256)).toBe(false);
      expect(await temporaryFiles()).toEqual([]);
    });
  });
}
