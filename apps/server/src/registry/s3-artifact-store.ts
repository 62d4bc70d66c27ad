/**
 * Artifact storage in an S3-compatible bucket, so replicas on different machines share artifacts.
 * Uploads are staged (and hashed) on local disk; commit uploads to `<prefix>sha256/<ab>/<sha256>`.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ModelGardenError } from '../errors/model-garden-error.js';
import {
  type ArtifactStore,
  FilesystemArtifactStore,
  type StagedArtifact,
  type StoredFile,
  verified,
} from './artifact-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket (`models/` → `models/sha256/ab/ab…`); empty for the bucket root. */
  prefix: string;
  /** Local folder for staged uploads (they are hashed and inspected before the upload). */
  stagingDir: string;
}

export interface S3ClientOptions {
  region: string;
  /** An S3-compatible server's URL (MinIO, Ceph, R2, …); unset for AWS. */
  endpoint?: string | undefined;
  forcePathStyle: boolean;
}

/** An S3 client whose credentials come from the SDK's standard chain (env, profile, role). */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    // Integrity is ours (sha256 verified on every read); default flexible checksums send
    // aws-chunked bodies that several S3-compatible servers refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const SHA256_RE = /^[a-f0-9]{64}$/;
const S3_URL = 's3://';

const isNotFound = (err: unknown) =>
  typeof err === 'object' &&
  err !== null &&
  ((err as { name?: string }).name === 'NotFound' ||
    (err as { name?: string }).name === 'NoSuchKey' ||
    (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

export class S3ArtifactStore implements ArtifactStore {
  private readonly prefix: string;
  /** Staging, temp-file listing and discarding are the filesystem store's. */
  private readonly staging: FilesystemArtifactStore;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StoreOptions,
  ) {
    const trimmed = options.prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed ? `${trimmed}/` : '';
    this.staging = new FilesystemArtifactStore(options.stagingDir);
  }

  /** Object key of an artifact; the hash is validated so no caller can steer the key. */
  private keyFor(sha256: string): string {
    if (!SHA256_RE.test(sha256)) throw new ModelGardenError('INTERNAL', `Invalid artifact id ${sha256}`);
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  /** Wraps an SDK failure once, naming the bucket and key. */
  private failure(action: string, key: string, err: unknown): ModelGardenError {
    return new ModelGardenError('INTERNAL', `S3 ${action} s3://${this.options.bucket}/${key} failed`, {
      cause: err,
    });
  }

  stage(source: Readable, maxBytes: number): Promise<StagedArtifact> {
    return this.staging.stage(source, maxBytes);
  }

  discard(staged: StagedArtifact): Promise<void> {
    return this.staging.discard(staged);
  }

  /** Uploads a staged file under its sha256; identical content already stored is not sent again. */
  async commit(staged: StagedArtifact): Promise<void> {
    const key = this.keyFor(staged.sha256);
    if (!(await this.has(staged.sha256))) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: createReadStream(staged.path),
            ContentLength: staged.sizeBytes,
            ContentType: 'application/octet-stream',
          }),
        );
      } catch (err) {
        throw this.failure('upload to', key, err);
      }
    }
    await rm(staged.path, { force: true });
  }

  async read(sha256: string): Promise<Uint8Array> {
    const key = this.keyFor(sha256);
    let bytes: Uint8Array;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!res.Body) throw new Error('empty response body');
      bytes = await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) {
        throw new ModelGardenError('ARTIFACT_CORRUPT', `Artifact ${sha256} is missing from the store`, {
          cause: err,
        });
      }
      throw this.failure('read of', key, err);
    }
    return verified(sha256, bytes);
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256_RE.test(sha256)) return false;
    const key = this.keyFor(sha256);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.failure('lookup of', key, err);
    }
  }

  async remove(sha256: string): Promise<void> {
    const key = this.keyFor(sha256);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw this.failure('delete of', key, err);
    }
  }

  /** Local staged uploads and every object under `<prefix>sha256/` (for the start-up sweep). */
  async list(): Promise<StoredFile[]> {
    const found = await this.staging.list();
    const root = `${this.prefix}sha256/`;
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: root, ContinuationToken: token }),
        )
        .catch((err: unknown) => {
          throw this.failure('listing of', root, err);
        });
      for (const obj of page.Contents ?? []) {
        if (!obj.Key) continue;
        const name = obj.Key.slice(obj.Key.lastIndexOf('/') + 1);
        found.push({
          path: `${S3_URL}${this.options.bucket}/${obj.Key}`,
          sha256: SHA256_RE.test(name) && obj.Key === this.keyFor(name) ? name : null,
          mtimeMs: obj.LastModified?.getTime() ?? 0,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Deletes one entry found by list(): an object, or a local staged file. */
  async removeFile(file: StoredFile): Promise<void> {
    if (!file.path.startsWith(S3_URL)) return this.staging.removeFile(file);
    const key = file.path.slice(S3_URL.length + this.options.bucket.length + 1);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) throw this.failure('delete of', key, err);
    }
  }
}
