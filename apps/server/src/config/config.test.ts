import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has safe defaults: loopback, port 8080, PGlite in ./data', () => {
    const c = loadConfig({}, dir);
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: path.join(dir, 'data'),
      databaseUrl: undefined,
    });
    expect(c.maxUploadBytes).toBe(200 * 1024 * 1024);
  });

  it('reads .env, and the environment wins over it', async () => {
    await writeFile(path.join(dir, '.env'), 'PORT=9000\nLOG_LEVEL=debug\n');
    expect(loadConfig({}, dir)).toMatchObject({ port: 9000, logLevel: 'debug' });
    expect(loadConfig({ PORT: '9100' }, dir).port).toBe(9100);
    await rm(path.join(dir, '.env'));
  });

  it('names the variable in the error for a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, dir)).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' }, dir)).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, dir)).toThrow(/LOG_LEVEL/);
  });

  it('selects the artifact store: fs by default, s3 with a bucket (named when missing)', () => {
    expect(loadConfig({}, dir).artifactStore).toEqual({ kind: 'fs' });
    expect(
      loadConfig(
        {
          ARTIFACT_STORE: 's3',
          S3_BUCKET: 'models',
          S3_ENDPOINT: 'http://minio:9000',
          S3_FORCE_PATH_STYLE: 'true',
        },
        dir,
      ).artifactStore,
    ).toEqual({
      kind: 's3',
      bucket: 'models',
      prefix: '',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    expect(() => loadConfig({ ARTIFACT_STORE: 's3' }, dir)).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ ARTIFACT_STORE: 'gcs' }, dir)).toThrow(/ARTIFACT_STORE/);
  });

  it('reads the role: all by default; api needs INFERENCE_URLS (trailing slashes dropped)', () => {
    expect(loadConfig({}, dir)).toMatchObject({ role: 'all', inferenceUrls: [], inferenceTimeoutMs: 30_000 });
    expect(
      loadConfig({ ROLE: 'api', INFERENCE_URLS: 'http://a:8080/,http://b:8080' }, dir).inferenceUrls,
    ).toEqual(['http://a:8080', 'http://b:8080']);
    expect(() => loadConfig({ ROLE: 'api' }, dir)).toThrow(/INFERENCE_URLS/);
    expect(() => loadConfig({ ROLE: 'worker' }, dir)).toThrow(/ROLE/);
    expect(() => loadConfig({ INFERENCE_URLS: 'a:8080' }, dir)).toThrow(/INFERENCE_URLS/);
  });

  it('reads MODELGARDEN_SECRET_KEY (hex or base64 of 32 bytes) and refuses anything else by name', () => {
    const hex = 'ab'.repeat(32);
    const previous = Buffer.alloc(32, 7).toString('base64');
    const keys = loadConfig(
      { MODELGARDEN_SECRET_KEY: hex, MODELGARDEN_SECRET_KEY_PREVIOUS: previous },
      dir,
    ).secretKeys;
    expect(keys.current?.toString('hex')).toBe(hex);
    expect(keys.previous.map((k) => k.toString('base64'))).toEqual([previous]);
    expect(loadConfig({}, dir).secretKeys).toEqual({ current: undefined, previous: [] });
    expect(() => loadConfig({ MODELGARDEN_SECRET_KEY: 'too-short-a-key' }, dir)).toThrow(
      /MODELGARDEN_SECRET_KEY: must be 32 random bytes/,
    );
    expect(() =>
      loadConfig({ MODELGARDEN_SECRET_KEY: hex, MODELGARDEN_SECRET_KEY_PREVIOUS: 'nope' }, dir),
    ).toThrow(/MODELGARDEN_SECRET_KEY_PREVIOUS: must be 32 random bytes/);
  });
});
