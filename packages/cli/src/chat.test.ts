// `modelgarden llm models` and `modelgarden chat`, the built executable against a real server in
// front of a fake OpenAI upstream (apps/server's test-support) on loopback.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish, say, toolCall, turn, usage } from '../../../apps/server/src/test-support/fake-llm/index.js';
import {
  ADMIN_KEY,
  type GatewayFixture,
  startGateway,
} from '../../../apps/server/src/test-support/llm-gateway.js';
import { pushIris, SETOSA } from '../../../apps/server/src/test-support/tool-models.js';
import { assertBuilt, type CliOptions, CliProcess, runCli } from './test-support/cli-process.js';

const MODEL = 'openai/gpt-4o-mini';
let g: GatewayFixture;
let env: Record<string, string>;
let workDir: string;

beforeAll(async () => {
  assertBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'modelgarden-cli-chat-'));
  g = await startGateway();
  const { key } = await g.key(['chat', 'predict', 'models:read']);
  env = { MODELGARDEN_URL: g.url, MODELGARDEN_API_KEY: key };
  await pushIris(g.url, 'iris', ADMIN_KEY, 'public');
}, 120_000);
afterAll(async () => {
  await g?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const cli = (args: string[], options: CliOptions = {}) =>
  runCli(args, { ...options, env: { ...env, ...options.env } });

type Sent = { messages: Array<{ role: string; content: unknown }>; temperature?: number; tools?: unknown[] };
const sentSince = (n: number) =>
  g.openai
    .requestsTo('chat')
    .slice(n)
    .map((request) => request.body as Sent);

describe('modelgarden llm models', { timeout: 30_000 }, () => {
  it('lists the models and aliases on offer as a table and as JSON', async () => {
    const table = await cli(['llm', 'models']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout.split('\n')[0]).toMatch(/^MODEL\s+OWNED BY\s+CREATED$/);
    expect(table.stdout).toMatch(/^openai\/gpt-4o-mini\s+\S+\s+\d{4}-\d\d-\d\d$/m);
    expect(table.stdout).toMatch(/^chat-default\s+modelgarden\s/m);
    const { models } = JSON.parse((await cli(['llm', 'models', '--json'])).stdout);
    expect(models.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([MODEL, 'backup/gpt-4o-mini']),
    );
  });
});

describe('modelgarden chat', { timeout: 30_000 }, () => {
  it('streams one answer for a prompt, with --system and --temperature sent upstream', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('Hel', 'lo', ' there'), finish('stop'), usage(9, 3)));
    const result = await cli(['chat', MODEL, 'Say hi', '--system', 'Be brief.', '--temperature', '0.3']);
    expect(result).toEqual({ code: 0, stdout: 'Hello there\n', stderr: '' });
    const [sent] = sentSince(before);
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hi' },
    ]);
    expect(sent?.temperature).toBe(0.3);
  });

  it('prints the text as it arrives: what came before a mid-stream failure is on stdout, then the error', async () => {
    g.openai.enqueue(turn(say('Half an ', 'answer'), { type: 'error', message: 'overloaded' }));
    const result = await cli(['chat', MODEL, 'Tell me more']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Half an answer');
    expect(result.stderr).toMatch(/^error \[[a-z_]+\]: .*overloaded/);
  });

  it('a stream that stops without [DONE] (cut off on the way) is an error, not a finished answer', async () => {
    // What a proxy or a server going down leaves: a 200 stream whose body just ends.
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: MODEL };
      res.end(
        `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }] })}\n\n`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await cli(['chat', MODEL, 'Tell me'], { env: { MODELGARDEN_URL: url } });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('Half');
      expect(result.stderr).toMatch(/^error \[stream_cut_off\]: .*incomplete/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes the prompt from stdin when none is given', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('Piped.'), finish('stop')));
    const result = await cli(['chat', MODEL], { input: 'a question from a pipe\n' });
    expect(result).toEqual({ code: 0, stdout: 'Piped.\n', stderr: '' });
    expect(sentSince(before)[0]?.messages).toEqual([{ role: 'user', content: 'a question from a pipe' }]);
  });

  it('holds a conversation from stdin with --interactive: every turn sees the ones before', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('Paris.'), finish('stop')), turn(say('About 2 million.'), finish('stop')));
    const result = await cli(['chat', MODEL, '-i', '-s', 'Answer in one line.'], {
      input: 'Capital of France?\n\nHow many live there?\n/exit\nnever sent\n',
    });
    expect(result).toEqual({ code: 0, stdout: 'Paris.\nAbout 2 million.\n', stderr: '' });
    const sent = sentSince(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.messages).toEqual([
      { role: 'system', content: 'Answer in one line.' },
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'How many live there?' },
    ]);
  });

  it('Ctrl-C stops the answer being written and keeps it; the conversation goes on', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('The partial'), { type: 'stall' }), turn(say('Go on then.'), finish('stop')));
    const chat = new CliProcess(['chat', MODEL, '--interactive'], { env });
    chat.write('Write a long story\n');
    await chat.waitForStdout('The partial');
    chat.child.kill('SIGINT');
    await chat.waitForStdout('[stopped]\n');
    chat.write('Continue\n');
    chat.end();
    const result = await chat.exited;
    expect(result).toEqual({ code: 0, stdout: 'The partial [stopped]\nGo on then.\n', stderr: '' });
    expect(await g.openai.requestsTo('chat')[before]?.ended).toBe('aborted');
    expect(sentSince(before)[1]?.messages).toEqual([
      { role: 'user', content: 'Write a long story' },
      { role: 'assistant', content: 'The partial' },
      { role: 'user', content: 'Continue' },
    ]);
  });

  it('on a terminal: a prompt, Ctrl-C stops the answer and keeps it, Ctrl-C at the prompt leaves', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('The partial'), { type: 'stall' }), turn(say('Second.'), finish('stop')));
    const chat = new CliProcess(['chat', MODEL], { env, terminal: true });
    await chat.waitForStdout('you> ');
    expect(chat.stdout).toContain(`Chatting with ${MODEL}.`);
    chat.write('Tell me a story\r');
    await chat.waitForStdout('The partial');
    chat.write('\x03');
    await chat.waitForStdout('The partial [stopped]');
    chat.write('Go on\r');
    await chat.waitForStdout('Second.');
    chat.write('\x03');
    expect((await chat.exited).code).toBe(0);
    expect(sentSince(before)[1]?.messages).toEqual([
      { role: 'user', content: 'Tell me a story' },
      { role: 'assistant', content: 'The partial' },
      { role: 'user', content: 'Go on' },
    ]);
  });

  it('--tools lets the LLM call registered models; each call and result is printed', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      ),
      turn(say('It is a setosa.'), finish('stop')),
    );
    const result = await cli(['chat', MODEL, 'Which iris is 5.1/3.5/1.4/0.2?', '--tools', 'iris']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('It is a setosa.\n');
    expect(result.stderr).toContain(`→ iris ${JSON.stringify(SETOSA)}`);
    expect(result.stderr).toMatch(/← iris \(version 1\): setosa \(\d+\.\d%\)/);
    expect(sentSince(before)[0]?.tools).toHaveLength(1);
  });

  it("shows the control characters of the LLM's text and tool calls: none reaches the terminal", async () => {
    // OSC 52 writes the clipboard, ESC[2J clears the screen: an answer steered by a document could.
    const hostile = '\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J';
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: [`{"x":"${hostile}"}`] }),
        finish('tool_calls'),
      ),
      turn(say(`Done ${hostile}`), finish('stop')),
    );
    const piped = await cli(['chat', MODEL, 'Classify', '--tools', 'iris']);
    expect(piped.code, piped.stderr).toBe(0);
    // Piped, the answer is the LLM's text as it is; the lines on stderr are always made visible.
    expect(piped.stdout).toBe(`Done ${hostile}\n`);
    expect(piped.stderr).toContain('→ iris {"x":"␛]52;c;cGF5bG9hZA==␇␛[2J"}');
    expect(piped.stderr).not.toContain('\x1b');

    g.openai.enqueue(turn(say(`Done ${hostile}`), finish('stop')));
    const screen = new CliProcess(['chat', MODEL, 'Again'], { env, terminal: true });
    await screen.waitForStdout('Done ');
    expect((await screen.exited).code).toBe(0);
    expect(screen.stdout).toContain('Done ␛]52;c;cGF5bG9hZA==␇␛[2J');
    expect(screen.stdout).not.toContain('\x1b]52');
  });

  it('--collections answers from a knowledge base and lists the passages the answer cites', async () => {
    const admin = { env: { MODELGARDEN_API_KEY: ADMIN_KEY } };
    await writeFile(
      join(workDir, 'parking.md'),
      '# Parking\n\n## Permits\n\nPermits are renewed every spring at the front desk.\n',
    );
    expect((await cli(['collections', 'create', 'handbook'], admin)).code).toBe(0);
    const uploaded = await cli(['collections', 'upload', 'handbook', join(workDir, 'parking.md')], admin);
    expect(uploaded.stdout).toMatch(/ready, 1 passages/);

    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('At the front desk [1].'), finish('stop')));
    const result = await cli([
      'chat',
      MODEL,
      'Where do I renew my permit?',
      '--collections',
      'handbook',
      '--passages',
      '2',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('At the front desk [1].\n');
    expect(result.stderr).toBe('  [1] parking.md › Parking › Permits (collection handbook)\n');
    const system = sentSince(before)[0]?.messages.find((m) => m.role === 'system');
    expect(JSON.stringify(system?.content)).toContain('renewed every spring at the front desk');

    const missing = await cli(['chat', MODEL, 'Hi', '--collections', 'no-such-collection']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error \[collection_not_found\]: /);
  });

  it('--json prints the whole completion, tool calls included', async () => {
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: ['{"sepal_length":"big"}'] }),
        finish('tool_calls'),
      ),
      turn(say('That did not work.'), finish('stop')),
    );
    const result = await cli(['chat', MODEL, 'Which iris?', '--tools', 'all', '--json']);
    expect(result.code).toBe(0);
    const completion = JSON.parse(result.stdout);
    expect(completion.choices[0].message.content).toBe('That did not work.');
    expect(completion.modelgarden.tool_calls[0]).toMatchObject({
      name: 'iris',
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
  });

  it('an unknown model is a clear error and exit 1', async () => {
    const result = await cli(['chat', 'no-such-model', 'Hi']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error \[model_not_found\]: .*no-such-model/);
  });

  it('without a key the 401 says how to give one', async () => {
    for (const args of [
      ['chat', MODEL, 'Hi'],
      ['llm', 'models'],
      ['chat', MODEL, '-i'],
    ]) {
      // A conversation stops at the first turn: the next ones would meet the same 401.
      const result = await cli(args, { env: { MODELGARDEN_API_KEY: undefined }, input: 'Hi\nAgain\n' });
      expect(result.stderr.match(/^error /gm)).toHaveLength(1);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error \[invalid_api_key\]: /);
      expect(result.stderr).toContain('pass --api-key or set MODELGARDEN_API_KEY');
    }
  });

  it('a key made with `keys create --scopes chat` can chat', async () => {
    const created = await cli(
      ['keys', 'create', 'chat-only', '--scopes', 'chat', '--user', 'llm-user', '--json'],
      {
        env: { MODELGARDEN_API_KEY: ADMIN_KEY },
      },
    );
    expect(created.code, created.stderr).toBe(0);
    const { key, scopes } = JSON.parse(created.stdout);
    expect(scopes).toEqual(['chat']);
    g.openai.enqueue(turn(say('Hi.'), finish('stop')));
    expect(await cli(['chat', MODEL, 'Hello', '--api-key', key])).toEqual({
      code: 0,
      stdout: 'Hi.\n',
      stderr: '',
    });
  });

  it('usage mistakes exit 2', async () => {
    const cases = [
      ['chat'],
      ['chat', MODEL, 'Hi', '--temperature', 'hot'],
      ['chat', MODEL, 'Hi', '--max-steps', '3'],
      ['chat', MODEL, 'Hi', '--passages', '3'],
      ['chat', MODEL, 'Hi', '--collections', ','],
      ['chat', MODEL, '-i', '--json'],
      ['chat', MODEL],
    ];
    for (const args of cases) {
      const result = await cli(args, { input: '' });
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/^error \[USAGE\]: /);
    }
  });
});
