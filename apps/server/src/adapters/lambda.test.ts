/**
 * The Lambda handler driven with recorded-shape API Gateway v2 (HTTP API, payload 2.0) events:
 * health, a friendly and an OIP prediction, a 404, a malformed body; one boot across invocations.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config.js';
import { startS3Server, type TestS3Server } from '../test-support/s3-server.js';
import { checkLambdaConfig, createLambdaHandler, type LambdaResult } from './lambda.js';

/** The admin key the fixtures' Authorization headers carry. */
const FIXTURE_ADMIN_KEY = 'lambda-fixture-admin-key-0123456789abcdef';

const fixture = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(path.join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8'));

const lambdaContext = () => ({
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
});

const json = (res: LambdaResult) =>
  JSON.parse(res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString() : res.body);

describe('Lambda handler (API Gateway v2 events)', () => {
  let s3: TestS3Server;
  let dataDir: string;
  let handler: ReturnType<typeof createLambdaHandler>;
  beforeAll(async () => {
    s3 = await startS3Server();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-lambda-'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    handler = createLambdaHandler({
      env: { ...s3.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', MODELGARDEN_ADMIN_KEY: FIXTURE_ADMIN_KEY },
      allowEmbeddedDatabase: true,
    });
  });
  afterAll(async () => {
    await handler?.close();
    await s3?.close();
    await rm(dataDir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('answers health on the cold start (boot: migrations, demo models seeded into the bucket, sessions loaded)', async () => {
    const res = await handler(await fixture('health-live'), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });

  it('serves a friendly iris prediction', async () => {
    const res = await handler(await fixture('predict-iris'), lambdaContext());
    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ model: 'iris', predictions: [{ label: 'setosa' }] });
    expect(body.predictions[0].probabilities).toBeDefined();
    expect(res.headers['x-model-version']).toBe(String(body.version));
  });

  it('serves an OIP infer whose body arrives base64-encoded', async () => {
    const res = await handler(await fixture('oip-infer-iris'), lambdaContext());
    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ model_name: 'iris', id: '42', outputs: [{ name: 'probabilities' }] });
    const probabilities = body.outputs[0].data as number[];
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(2); // virginica
  });

  it('answers 404 for an unknown model with the JSON error', async () => {
    const res = await handler(await fixture('predict-unknown-model'), lambdaContext());
    expect(res.statusCode).toBe(404);
    expect(json(res).error.code).toBe('MODEL_NOT_FOUND');
  });

  it('answers 400 for a malformed JSON body with the JSON error', async () => {
    const res = await handler(await fixture('predict-malformed-json'), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('MALFORMED_JSON');
  });

  it('boots once per container: later invocations reuse the loaded sessions', async () => {
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      expect((await handler(await fixture('predict-iris'), lambdaContext())).statusCode).toBe(200);
    }
    // Twenty warm invocations together take far less than one boot (seeding, migrations, loading).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('Lambda configuration', () => {
  const cwd = os.tmpdir();
  it('requires DATABASE_URL and the S3 artifact store', () => {
    expect(() => checkLambdaConfig(loadConfig({ ARTIFACT_STORE: 's3', S3_BUCKET: 'b' }, cwd))).toThrow(
      /DATABASE_URL is required/,
    );
    expect(() => checkLambdaConfig(loadConfig({ DATABASE_URL: 'postgres://db/mg' }, cwd))).toThrow(
      /ARTIFACT_STORE=s3 is required/,
    );
    expect(() =>
      checkLambdaConfig(
        loadConfig({ DATABASE_URL: 'postgres://db/mg', ARTIFACT_STORE: 's3', S3_BUCKET: 'b' }, cwd),
      ),
    ).not.toThrow();
  });
});
