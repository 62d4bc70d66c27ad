// The built `modelgarden` executable, run as a child process against a real server on loopback.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../apps/server/src/index.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const IRIS_FILE = repo('models/iris/iris.onnx');
const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const VIRGINICA = { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, petal_width: 2.3 };

let server: { url: string; close(): Promise<void> };
let dataDir: string;
let workDir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI (asynchronously: the server answering it lives in this process). */
function modelgarden(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: workDir, env: { ...process.env, MODELGARDEN_URL: server.url, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await modelgarden(args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with 'npx tsc -b'`);
  dataDir = await mkdtemp(join(tmpdir(), 'modelgarden-cli-'));
  workDir = await mkdtemp(join(tmpdir(), 'modelgarden-cli-work-'));
  server = await startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    env: { ...process.env, ANONYMOUS_LOOPBACK_WRITES: 'true' },
  });
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${server.url}/health/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('the server did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  await server?.close();
  for (const dir of [dataDir, workDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

// Each CLI run is a fresh Node process; under a loaded machine a few of them take seconds.
describe('modelgarden', { timeout: 30_000 }, () => {
  it('prints its version and help', async () => {
    expect((await ok(['--version'])).trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await ok(['--help']);
    for (const command of ['serve', 'push', 'models', 'promote', 'predict', 'llm', 'chat', 'collections'])
      expect(help).toContain(command);
  });

  it('push uploads a model, prints version, sha256 and schema, and moves --alias', async () => {
    const sha256 = createHash('sha256')
      .update(await readFile(IRIS_FILE))
      .digest('hex');
    const out = await ok([
      'push',
      IRIS_FILE,
      '--name',
      'iris-cli',
      '--labels',
      'setosa,versicolor,virginica',
      '--features',
      'sepal_length,sepal_width,petal_length,petal_width',
      '--description',
      'pushed by the CLI test',
      '--alias',
      'production',
    ]);
    expect(out).toContain('pushed iris-cli version 1');
    expect(out).toContain(sha256);
    expect(out).toMatch(/inputs\s+\S+ FP32 \[/);
    expect(out).toMatch(/outputs\s+\S+/);
    expect(out).toContain('setosa, versicolor, virginica');
    expect(out).toMatch(/aliases\s+production/);
  });

  it('push --json prints the version; --metadata takes a file', async () => {
    const metadataFile = join(workDir, 'metadata.json');
    await writeFile(
      metadataFile,
      JSON.stringify({
        labels: ['setosa', 'versicolor', 'virginica'],
        featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
        tags: { source: 'cli-test' },
      }),
    );
    const version = JSON.parse(
      await ok(['push', IRIS_FILE, '-n', 'iris-cli', '--metadata', metadataFile, '--json']),
    );
    expect(version).toMatchObject({
      model: 'iris-cli',
      version: 2,
      tags: { source: 'cli-test' },
      aliases: [],
    });
  });

  it('models lists the catalog as a table and as JSON, before or after the command name', async () => {
    const out = await ok(['models']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+TASK\s+LATEST\s+ALIASES$/);
    expect(out).toMatch(/^iris-cli\s+tabular-classification\s+2\s+production=1$/m);
    expect(out).toMatch(/^iris\s+tabular-classification\s+1\s+production=1$/m);
    expect(out).toMatch(/^digits\s+image-classification\s+1/m);
    for (const args of [
      ['models', '--json'],
      ['--json', 'models'],
    ]) {
      const { models } = JSON.parse(await ok(args));
      expect(models.map((model: { name: string }) => model.name)).toEqual(
        expect.arrayContaining(['iris', 'digits', 'iris-cli']),
      );
    }
  });

  it('models show lists the versions, newest first', async () => {
    const out = await ok(['models', 'show', 'iris-cli']);
    expect(out).toContain('pushed by the CLI test');
    const rows = out.split('\n').filter((line) => /^\d+\s/.test(line));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(['2', '1']);
    expect(rows[1]).toContain('production');
    expect(JSON.parse(await ok(['models', 'show', 'iris-cli', '--json'])).versions).toHaveLength(2);
  });

  it('promote moves production, or another alias', async () => {
    expect(await ok(['promote', 'iris-cli', '2'])).toContain('iris-cli: production → version 2');
    expect(JSON.parse(await ok(['promote', 'iris-cli', '1', '--alias', 'staging', '--json']))).toMatchObject({
      model: 'iris-cli',
      alias: 'staging',
      version: 1,
    });
    expect(await ok(['models'])).toMatch(/^iris-cli\s+\S+\s+2\s+production=2, staging=1$/m);
  });

  it('versions, split, history, rollback, archive and delete manage the lifecycle', async () => {
    expect(await ok(['split', 'iris-cli', '1=90', '2=10', '--alias', 'canary'])).toContain(
      'iris-cli: canary → v1=90 v2=10',
    );
    const versions = await ok(['versions', 'iris-cli']);
    expect(versions.split('\n')[0]).toMatch(
      /^VERSION\s+STATUS\s+SIZE\s+SHA256\s+ALIASES\s+SCHEMA\s+CREATED$/,
    );
    expect(versions).toContain('canary: split v1=90 v2=10');
    expect(await ok(['rollback', 'iris-cli'])).toContain('iris-cli: production rolled back → version 1');
    const history = await ok(['history', 'iris-cli']);
    expect(
      history
        .split('\n')
        .slice(1, 3)
        .map((line) => line.split(/\s+/).slice(2, 5)),
    ).toEqual([
      ['rollback', '2', '1'],
      ['set', '1', '2'],
    ]);
    const refused = await modelgarden(['archive', 'iris-cli', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VERSION_IN_USE');
    const pushed = JSON.parse(await ok(['push', IRIS_FILE, '--name', 'iris-cli', '--json']));
    expect(await ok(['archive', 'iris-cli', String(pushed.version)])).toContain('archived');
    expect(await ok(['archive', 'iris-cli', String(pushed.version), '--restore'])).toContain('restored');
    expect(await ok(['delete', 'iris-cli', String(pushed.version)])).toContain(
      `version ${pushed.version} deleted, artifact kept`,
    );
    // Put production back where the later tests expect it.
    await ok(['promote', 'iris-cli', '2']);
  });

  it('predict prints the top label and probabilities', async () => {
    const out = await ok(['predict', 'iris', '--input', JSON.stringify(SETOSA)]);
    expect(out).toContain('iris version 1');
    expect(out).toMatch(/^setosa \(\d+\.\d%\)$/m);
    for (const label of ['setosa', 'versicolor', 'virginica'])
      expect(out).toMatch(new RegExp(`^  ${label}\\s+\\d`, 'm'));

    const rowsFile = join(workDir, 'rows.json');
    await writeFile(rowsFile, JSON.stringify([SETOSA, VIRGINICA]));
    const batch = await ok([
      'predict',
      'iris-cli',
      '--input',
      `@${rowsFile}`,
      '--version',
      '1',
      '--top-k',
      '1',
    ]);
    expect(batch).toContain('iris-cli version 1');
    expect(batch).toMatch(/^row 0: setosa/m);
    expect(batch).toMatch(/^row 1: virginica/m);
    expect(batch.split('\n').filter((line) => line.startsWith('  '))).toHaveLength(2);

    expect(
      await ok(['predict', 'iris-cli', '--input', JSON.stringify(SETOSA), '--alias', 'staging']),
    ).toContain('iris-cli version 1');
    const json = JSON.parse(await ok(['predict', 'iris', '--input', JSON.stringify(SETOSA), '--json']));
    expect(json).toMatchObject({ model: 'iris', version: 1, predictions: [{ label: 'setosa' }] });
  });

  it('predict --image classifies a picture', async () => {
    const seven = repo('models/digits/samples/digit-7-3.png');
    const out = await ok(['predict', 'digits', '--image', seven, '--top-k', '3']);
    expect(out).toMatch(/digit-7-3\.png: 7 \(/);
    const json = JSON.parse(
      await ok([
        'predict',
        'digits',
        '--image',
        seven,
        '--image',
        repo('models/digits/samples/digit-3-4.png'),
        '--json',
      ]),
    );
    expect(json.predictions.map((prediction: { label: string }) => prediction.label)).toEqual(['7', '3']);
  });
});

describe('failures', { timeout: 30_000 }, () => {
  it('a server error prints error [CODE]: message and exits 1', async () => {
    const result = await modelgarden(['models', 'show', 'no-such-model']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error \[MODEL_NOT_FOUND\]: .*no-such-model/);

    const bad = await modelgarden(['predict', 'iris', '--input', '{"sepal_length": 5.1}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error \[[A-Z_]+\]: /);
  });

  it('an unreachable server is NETWORK_ERROR with the URL, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await modelgarden(['models', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error [NETWORK_ERROR]: GET ${url}/api/models failed: connect ECONNREFUSED`,
    );
  });

  it('a usage error exits 2', async () => {
    const cases: string[][] = [
      [],
      ['push'],
      ['no-such-command'],
      ['models', '--no-such-option'],
      ['predict', 'iris'],
      ['predict', 'iris', '--input', '{not json'],
      ['predict', 'iris', '--input', '{}', '--top-k', 'many'],
      ['promote', 'iris', 'latest'],
      ['push', IRIS_FILE, '--metadata', '[1, 2]'],
    ];
    for (const args of cases) {
      const result = await modelgarden(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      if (args.length > 0) expect(result.stderr).toMatch(/^error \[USAGE\]: /);
    }
  });
});

describe('modelgarden serve', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('serves until SIGTERM, then closes and exits 0', async () => {
    const serveDir = join(workDir, 'serve-data');
    child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--port',
        '0',
        '--data-dir',
        serveDir,
        '--no-demo-models',
        '--log-level',
        'silent',
        '--json',
      ],
      { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const line = stdout.split('\n').find((text) => text.trim().startsWith('{'));
        if (line) {
          clearInterval(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      }, 50);
      exited.then((code) => reject(new Error(`serve exited early with ${code}: ${stdout}`)));
    });
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: 'ok' });
    const models = await modelgarden(['models', '--json', '--url', url]);
    expect(JSON.parse(models.stdout)).toEqual({ models: [] });
    expect(existsSync(serveDir)).toBe(true);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

/** A loopback port that nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
