/**
 * The server on the S3 store: a push lands in the bucket (not on local disk), predicts at once, and a
 * restart over an empty local artifact folder loads the version back from the bucket.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type TestS3Server } from '../test-support/s3-server.js';
import { IRIS_ONNX, multipart, startTestServer, type TestServer } from '../test-support/test-server.js';

const ADMIN_KEY = 's3-store-server-test-admin-key-0123456789';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

describe('server with ARTIFACT_STORE=s3', () => {
  let s3: TestS3Server;
  let server: TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
    // The SDK's standard chain reads credentials from the process environment.
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    server = await startTestServer({
      seedDemoModels: false,
      env: { ...s3.env, S3_PREFIX: 'garden', MODELGARDEN_ADMIN_KEY: ADMIN_KEY },
    });
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
    vi.unstubAllEnvs();
  });

  it('pushes a model into the bucket and predicts with it', async () => {
    const body = multipart([
      {
        name: 'metadata',
        data: JSON.stringify({
          labels: ['setosa', 'versicolor', 'virginica'],
          featureNames: Object.keys(SETOSA),
        }),
      },
      { name: 'file', filename: 'iris.onnx', data: await readFile(IRIS_ONNX) },
    ]);
    const pushed = await server.app.inject({
      method: 'POST',
      url: '/api/models/flowers/versions',
      ...body,
      headers: { ...body.headers, ...auth },
    });
    expect(pushed.statusCode, pushed.body).toBe(201);
    const { sha256 } = pushed.json() as { sha256: string };

    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'garden/' }));
    client.destroy();
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`garden/sha256/${sha256.slice(0, 2)}/${sha256}`]);
    expect(await readdir(path.join(server.dataDir, 'staging', 'tmp'))).toEqual([]);

    const predicted = await server.app.inject({
      method: 'POST',
      url: '/api/models/flowers/predict',
      headers: auth,
      payload: { inputs: SETOSA },
    });
    expect(predicted.statusCode, predicted.body).toBe(200);
    expect(predicted.json()).toMatchObject({
      model: 'flowers',
      version: 1,
      predictions: [{ label: 'setosa' }],
    });
  });

  it('loads a version from the bucket when the serving process has never seen it', async () => {
    // Drop the session the push handed over, so the next request must read the artifact back.
    await server.context.models.retire('flowers', 1);
    expect(server.context.models.isLoaded('flowers', 1)).toBe(false);
    const res = await server.app.inject({
      method: 'POST',
      url: '/v2/models/flowers/infer',
      headers: auth,
      payload: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: Object.values(SETOSA) }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().outputs[0].shape).toEqual([1, 3]);
  });
});
