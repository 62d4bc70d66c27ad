// `modelgarden users` and `modelgarden keys` against a real server with the safe defaults, and
// `users reset-password --data-dir` straight on a stopped server's database.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../apps/server/src/index.js';

const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ADMIN_KEY = 'cli-access-test-bootstrap-admin-key-0123';

let server: RunningServer;
let dataDir: string;

const start = () =>
  startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    seedDemoModels: false,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY },
  });

function modelgarden(args: string[], apiKey: string | null = ADMIN_KEY) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, MODELGARDEN_URL: server.url };
    if (apiKey) env.MODELGARDEN_API_KEY = apiKey;
    else delete env.MODELGARDEN_API_KEY;
    execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with 'npx tsc -b'`);
  dataDir = await mkdtemp(join(tmpdir(), 'modelgarden-cli-access-'));
  server = await start();
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('modelgarden users and keys', { timeout: 60_000 }, () => {
  it('creates a user, gives them a key (printed once), lists and revokes it', async () => {
    const created = await modelgarden(['users', 'create', 'bob', '--role', 'viewer', '--team', 'red']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/password: \S{20,}/);
    expect((await modelgarden(['users'])).stdout).toMatch(/bob\s+viewer\s+red\s+active/);

    const key = await modelgarden([
      'keys',
      'create',
      'ci',
      '--scopes',
      'predict,models:read',
      '--user',
      'bob',
    ]);
    expect(key.code, key.stderr).toBe(0);
    const secret = key.stdout.split('\n')[1]!;
    expect(secret).toMatch(/^mg_/);
    expect(key.stderr).toContain('not shown again');

    const mine = await modelgarden(['keys', '--json'], secret);
    expect(JSON.parse(mine.stdout).keys).toMatchObject([{ user: 'bob', prefix: secret.slice(0, 10) }]);
    const id = JSON.parse(mine.stdout).keys[0].id as number;
    expect((await modelgarden(['keys', 'revoke', String(id)], secret)).code).toBe(0);
    const after = await modelgarden(['models'], secret);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('error [UNAUTHENTICATED]');
  });

  it('needs an admin key for users, and says why', async () => {
    const res = await modelgarden(['users'], null);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error [UNAUTHENTICATED]');
    const bad = await modelgarden(['keys', 'create', 'x', '--scopes', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scope everything');
    expect((await modelgarden(['users', 'disable', 'bob'])).stdout).toContain('bob disabled');
  });

  it('resets a password straight in the database of a stopped server', async () => {
    await server.close();
    const res = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'users', 'reset-password', 'admin', '--data-dir', dataDir],
        { env: { ...process.env, DATABASE_URL: '' }, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
      );
    });
    expect(res.code).toBe(0);
    const password = /password: (\S+)/.exec(res.stdout)?.[1];
    expect(password).toBeDefined();
    server = await start();
    const login = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password }),
    });
    expect(login.status).toBe(200);
  });
});
