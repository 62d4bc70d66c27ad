/** The filesystem artifact store against the shared artifact-store contract. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { artifactStoreContract } from '../test-support/artifact-store-contract.js';
import { FilesystemArtifactStore } from './artifact-store.js';

artifactStoreContract('FilesystemArtifactStore', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-store-'));
  return {
    store: new FilesystemArtifactStore(dir),
    corrupt: (sha256, bytes) => writeFile(path.join(dir, 'sha256', sha256.slice(0, 2), sha256), bytes),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
