// `modelgarden collections …`, the built executable against a real server on loopback: create, upload
// a Markdown and a text file (waiting for ingestion), search, evaluate, and the refusals.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../apps/server/src/test-support/test-server.js';
import { assertBuilt, type CliOptions, CliProcess, runCli } from './test-support/cli-process.js';

const ADMIN_KEY = 'mg-cli-admin-key-0123456789abcdef';
let server: TestServer;
let dir: string;

const GUIDE = `# Parking guide

## Permits

Parking permits are renewed every spring at the front desk on the ground floor. Bring your badge
and the car's registration papers.

## Visitors

Visitors park in the north lot and sign in at reception.
`;
const NOTES = `Kitchen rules

The dishwasher runs at 18:00 every evening; load it before you leave.

Coffee beans are ordered on Mondays by the office manager.
`;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'modelgarden-cli-collections-'));
  await writeFile(join(dir, 'guide.md'), GUIDE);
  await writeFile(join(dir, 'notes.txt'), NOTES);
  await writeFile(join(dir, 'report.docx'), 'not a document type we read');
  await writeFile(join(dir, 'junk.txt'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0, 0, 0]));
  server = await startTestServer({
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, SEED_DEMO_MODELS: 'false', ANONYMOUS_LOOPBACK_WRITES: 'false' },
  });
}, 90_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], options: CliOptions = {}) =>
  runCli(args, {
    cwd: dir,
    ...options,
    env: { MODELGARDEN_URL: server.url, MODELGARDEN_API_KEY: ADMIN_KEY, ...options.env },
  });

async function ok(args: string[]): Promise<string> {
  const result = await cli(args);
  expect({ args, stderr: result.stderr, code: result.code }).toEqual({ args, stderr: '', code: 0 });
  return result.stdout;
}

describe('modelgarden collections', { timeout: 60_000 }, () => {
  it('creates public and team-private collections and lists them', async () => {
    expect(await ok(['collections', 'create', 'handbook'])).toBe('created collection handbook (public)\n');
    expect(await ok(['collections', 'create', 'secrets', '--team', 'red'])).toBe(
      'created collection secrets (team red only)\n',
    );
    const list = await ok(['collections', 'list']);
    expect(list.split('\n')[0]).toMatch(/^NAME\s+VISIBILITY\s+OWNER\s+DOCUMENTS\s+CHUNKS\s+CREATED$/);
    expect(list).toMatch(/^handbook\s+public\s+\S+\s+0\s+0\s/m);
    expect(list).toMatch(/^secrets\s+team red\s/m);
    const { collections } = JSON.parse(await ok(['collections', 'list', '--json']));
    expect(collections.map((c: { name: string }) => c.name).sort()).toEqual(['handbook', 'secrets']);
  });

  it('uploads a Markdown and a text file and waits until both are ready', async () => {
    const out = await ok(['collections', 'upload', 'handbook', 'guide.md', 'notes.txt']);
    expect(out).toContain('uploaded guide.md\n');
    expect(out).toContain('uploaded notes.txt\n');
    expect(out).toMatch(/^ {2}guide\.md\s+\S+ B\s+ready, [1-9]\d* passages\s+\(/m);
    expect(out).toMatch(/^ {2}notes\.txt\s+\S+ B\s+ready, [1-9]\d* passages\s+\(/m);
    const again = await ok(['collections', 'upload', 'handbook', 'notes.txt']);
    expect(again).toContain('uploaded notes.txt (already there)');
    const documents = await ok(['collections', 'documents', 'handbook']);
    expect(documents.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CHUNKS\s+SIZE\s+CREATED$/);
    expect(documents.split('\n').filter((line) => /\sready\s/.test(line))).toHaveLength(2);
  });

  it('on a terminal, upload shows a bar for the bytes and one for ingestion', async () => {
    await writeFile(
      join(dir, 'big.md'),
      `# Big\n\n${'A line about nothing much at all.\n\n'.repeat(20_000)}`,
    );
    const upload = new CliProcess(['collections', 'upload', 'handbook', 'big.md'], {
      cwd: dir,
      env: { MODELGARDEN_URL: server.url, MODELGARDEN_API_KEY: ADMIN_KEY },
      terminal: true,
    });
    const { code, stdout } = await upload.exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/uploading big\.md \[[█░]+\] 100% \| 683\.6 KiB of 683\.6 KiB/);
    expect(stdout).toMatch(/ingesting \[[█░]+\] 1 of 1 documents/);
    expect(stdout).toMatch(/big\.md\s+683\.6 KiB\s+ready, \d+ passages/);
  });

  it('search finds the passage that answers a question', async () => {
    const out = await ok([
      'collections',
      'search',
      'handbook',
      'where do I renew my parking permit?',
      '-k',
      '2',
    ]);
    const [first] = out.split(/\n(?=\d+\. )/);
    expect(first).toMatch(/^1\. .*Permits/);
    expect(first).toContain('front desk');
    const answer = JSON.parse(await ok(['collections', 'search', 'handbook', 'dishwasher', '--json']));
    expect(answer.results[0]).toMatchObject({ documentName: 'notes.txt' });
  });

  it('eval prints recall@1, recall@5 and MRR for the search and a plain BM25', async () => {
    await writeFile(
      join(dir, 'questions.jsonl'),
      [
        { question: 'when does the dishwasher run', expected: ['18:00'] },
        { question: 'what do I need to bring to renew a permit', expected: ['registration papers'] },
        { question: 'where should guests leave their car', expected: ['north lot'] },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const out = await ok(['collections', 'eval', 'handbook', 'questions.jsonl']);
    expect(out).toMatch(/^3 questions over \d+ passages$/m);
    expect(out).toMatch(/^METHOD\s+RECALL@1\s+RECALL@5\s+MRR$/m);
    for (const method of ['fts', 'bm25']) {
      expect(out).toMatch(
        new RegExp(`^${method}\\s+[01]\\.\\d{3}\\s+[01]\\.\\d{3}\\s+[01]\\.\\d{3}\\s`, 'm'),
      );
    }
    const json = JSON.parse(await ok(['collections', 'eval', 'handbook', 'questions.jsonl', '--json']));
    // The table shows the server's figures for every method it ran.
    for (const m of json.methods as Array<{
      method: string;
      recallAt1: number;
      recallAt5: number;
      mrr: number;
    }>) {
      const figures = [m.recallAt1, m.recallAt5, m.mrr].map((x) => x.toFixed(3)).join('\\s+');
      expect(out).toMatch(new RegExp(`^${m.method}\\s+${figures}\\s`, 'm'));
    }
    expect(json.methods.map((m: { method: string }) => m.method)).toEqual(
      expect.arrayContaining(['fts', 'bm25']),
    );
  });

  it('refuses a file of the wrong type or with binary content, clearly, and uploads the rest', async () => {
    const result = await cli(['collections', 'upload', 'handbook', 'report.docx', 'junk.txt', 'guide.md']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error \[UNSUPPORTED_MEDIA_TYPE\]: .*report\.docx.*: upload \.txt/m);
    expect(result.stderr).toMatch(/^error \[INVALID_DOCUMENT\]: .*junk\.txt.* ELF /m);
    // Each file named once, by the server's message or else in front of it.
    expect(result.stderr).not.toMatch(/(report\.docx|junk\.txt).*\1/);
    expect(result.stdout).toContain('uploaded guide.md (already there)');
  });

  it('usage mistakes exit 2: a missing file, a bad questions file', async () => {
    await writeFile(
      join(dir, 'bad.jsonl'),
      '{"question": "ok", "expected": ["x"]}\n{"question": "no expected"}\n',
    );
    const cases: Array<[string[], RegExp]> = [
      [['collections', 'upload', 'handbook', 'missing.md'], /cannot read missing\.md/],
      [['collections', 'eval', 'handbook', 'bad.jsonl'], /bad\.jsonl:2: expected \{"question"/],
      [['collections', 'eval', 'handbook', 'none.jsonl'], /cannot read none\.jsonl/],
      [['collections', 'search', 'handbook', 'x', '-k', 'lots'], /-k must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/^error \[USAGE\]: /);
      expect(result.stderr).toMatch(message);
    }
  });

  it('a missing collection or no key is a server error with its code, exit 1', async () => {
    const missing = await cli(['collections', 'search', 'nope', 'anything']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error \[COLLECTION_NOT_FOUND\]: /);
    const anonymous = await cli(['collections', 'create', 'x'], { env: { MODELGARDEN_API_KEY: undefined } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^error \[UNAUTHENTICATED\]: /);
  });

  it('deletes a collection', async () => {
    expect(await ok(['collections', 'delete', 'secrets'])).toBe('deleted collection secrets\n');
    expect(await ok(['collections', 'list'])).not.toMatch(/^secrets\s/m);
  });
});
