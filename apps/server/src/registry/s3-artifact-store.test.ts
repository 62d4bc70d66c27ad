/** The S3 artifact store against the shared contract, on s3rver (an S3-compatible server) in-process. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { artifactStoreContract } from '../test-support/artifact-store-contract.js';
import { startS3Server } from '../test-support/s3-server.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

artifactStoreContract('S3ArtifactStore', async () => {
  const s3 = await startS3Server();
  const stagingDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-s3-staging-'));
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const prefix = 'garden/';
  return {
    store: new S3ArtifactStore(client, { bucket: s3.bucket, prefix, stagingDir }),
    async corrupt(sha256, bytes) {
      const Key = `${prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: bytes }));
    },
    async cleanup() {
      client.destroy();
      await s3.close();
      await rm(stagingDir, { recursive: true, force: true });
    },
  };
});
