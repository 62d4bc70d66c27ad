/**
 * Artifact storage: model files addressed by their sha256. The interface lets a cluster use object
 * storage later; the filesystem store below is the default.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ModelGardenError } from '../errors/model-garden-error.js';

/** The bytes read for an artifact, after checking they still hash to its name (ARTIFACT_CORRUPT if not). */
export function verified<T extends Uint8Array>(sha256: string, bytes: T): T {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) {
    throw new ModelGardenError('ARTIFACT_CORRUPT', `Artifact ${sha256} fails verification (found ${actual})`);
  }
  return bytes;
}

/** A file received and hashed but not yet committed to the store. */
export interface StagedArtifact {
  sha256: string;
  sizeBytes: number;
  /** Local path of the staged bytes, readable until commit or discard. */
  path: string;
}

export interface ArtifactStore {
  /** Streams bytes into a temporary file while hashing them; fails with PAYLOAD_TOO_LARGE past maxBytes. */
  stage(source: Readable, maxBytes: number): Promise<StagedArtifact>;
  /** Moves a staged file into place under its sha256 (atomic rename; a no-op when already stored). */
  commit(staged: StagedArtifact): Promise<void>;
  discard(staged: StagedArtifact): Promise<void>;
  /** Reads a stored artifact and verifies its sha256; throws ARTIFACT_CORRUPT on mismatch. */
  read(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** Deletes a stored artifact (when no version uses it any more); missing is fine. */
  remove(sha256: string): Promise<void>;
}

/** An entry of the store, as the start-up sweep sees it. */
export interface StoredFile {
  path: string;
  /** The sha256 the file is stored under; null for a temporary file. */
  sha256: string | null;
  mtimeMs: number;
}

/** fsyncs a directory so a rename or unlink in it survives a power cut (no-op where unsupported). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  }
}

const SHA256_RE = /^[a-f0-9]{64}$/;

export class FilesystemArtifactStore implements ArtifactStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  /** Path of an artifact; the hash is validated so no caller can steer the path. */
  private pathFor(sha256: string): string {
    if (!SHA256_RE.test(sha256)) throw new ModelGardenError('INTERNAL', `Invalid artifact id ${sha256}`);
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async stage(source: Readable, maxBytes: number): Promise<StagedArtifact> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmpPath = path.join(this.tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmpPath, { flags: 'wx' });
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > maxBytes) {
              throw new ModelGardenError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes`, {
                details: { maxBytes },
              });
            }
            hash.update(chunk);
            yield chunk;
          }
        },
        out,
      );
      const fh = await open(tmpPath, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // The file may still be opening when the pipeline fails fast (e.g. the size limit on the first
      // chunks); wait for the stream to close, or rm would run first and the open would recreate it.
      if (!out.closed) {
        out.destroy();
        await new Promise<void>((resolve) => out.once('close', () => resolve()));
      }
      await rm(tmpPath, { force: true });
      throw err;
    }
    return { sha256: hash.digest('hex'), sizeBytes: size, path: tmpPath };
  }

  async commit(staged: StagedArtifact): Promise<void> {
    const target = this.pathFor(staged.sha256);
    if (await this.has(staged.sha256)) {
      await rm(staged.path, { force: true });
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await rename(staged.path, target);
    await syncDir(path.dirname(target));
  }

  async remove(sha256: string): Promise<void> {
    const file = this.pathFor(sha256);
    await rm(file, { force: true });
    await syncDir(path.dirname(file));
  }

  /** Every file in the store: committed artifacts and temporary uploads. */
  async list(): Promise<StoredFile[]> {
    const found: StoredFile[] = [];
    const add = async (file: string, sha256: string | null) => {
      const s = await stat(file).catch(() => null);
      if (s?.isFile()) found.push({ path: file, sha256, mtimeMs: s.mtimeMs });
    };
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      await add(path.join(this.tmpDir, name), null);
    }
    const shaRoot = path.join(this.root, 'sha256');
    for (const prefix of await readdir(shaRoot).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(shaRoot, prefix)).catch(() => [] as string[])) {
        await add(path.join(shaRoot, prefix, name), SHA256_RE.test(name) ? name : null);
      }
    }
    return found;
  }

  /** Deletes one file found by list() (the sweep's only way to delete). */
  async removeFile(file: StoredFile): Promise<void> {
    await rm(file.path, { force: true });
  }

  async discard(staged: StagedArtifact): Promise<void> {
    await rm(staged.path, { force: true });
  }

  async read(sha256: string): Promise<Uint8Array> {
    const file = this.pathFor(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new ModelGardenError('ARTIFACT_CORRUPT', `Artifact ${sha256} is missing from the store`, {
        cause: err,
      });
    }
    return verified(sha256, bytes);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await stat(this.pathFor(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Streams a stored artifact (for downloads); not verified, callers that load it use read(). */
  createReadStream(sha256: string): Readable {
    return createReadStream(this.pathFor(sha256));
  }
}
