/**
 * The OpenAI fakes checked against the official `openai` client's own parser and accumulator: if the
 * fake's stream breaks a rule a real server keeps (role, tool-call identity, finish reasons, the
 * usage chunk, the error shape), the SDK says so here, so provider tests cannot pass on a wire the
 * real client would reject.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeLlm } from './index.js';
import { chunked, finish, interleaved, say, startFakeOllama, startFakeOpenAI, turn, usage } from './index.js';

const fakes: FakeLlm[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function client(start: () => Promise<FakeLlm>) {
  const fake = await start();
  fakes.push(fake);
  return { fake, openai: new OpenAI({ baseURL: fake.url, apiKey: 'sk-test', maxRetries: 0 }) };
}

const CALLS = turn(
  say('Checking.'),
  interleaved(
    { index: 0, id: 'call_a', name: 'get_weather', fragments: chunked('{"city":"Oslo"}', 3) },
    { index: 1, id: 'call_b', name: 'get_time', fragments: chunked('{"zone":"CET"}', 2) },
  ),
  finish('tool_calls'),
  usage(20, 9),
);

const TOOLS = [
  { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
  { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } },
];

describe.each([
  ['openai', () => startFakeOpenAI()],
  ['vllm', () => startFakeOpenAI({ variant: 'vllm' })],
  ['ollama', () => startFakeOllama()],
])('the %s fake, read by the official openai client', (_label, start) => {
  it("satisfies the SDK's stream accumulator with parallel tool calls and the usage chunk", async () => {
    const { fake, openai } = await client(start);
    fake.enqueue(CALLS);
    const stream = openai.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: TOOLS,
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe('Checking.');
    expect(
      message?.tool_calls?.map((c) =>
        c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : [],
      ),
    ).toEqual([
      ['call_a', 'get_weather', '{"city":"Oslo"}'],
      ['call_b', 'get_time', '{"zone":"CET"}'],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
  });

  it('gives the SDK its error classes and retry hints', async () => {
    const { fake, openai } = await client(start);
    fake.enqueue({ error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } });
    const error = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('slow down');
  });

  it('a mid-stream error event makes the SDK throw instead of ending quietly', async () => {
    const { fake, openai } = await client(start);
    fake.enqueue(turn(say('half'), { type: 'error', message: 'broke' }));
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // read on
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });
});

describe('the fidelity check is not vacuous', () => {
  it('regression ollama/ollama#7881: the SDK cannot assemble tool calls without index (as old Ollama sent them)', async () => {
    const { fake, openai } = await client(() => startFakeOllama({ noToolCallIndex: true }));
    fake.enqueue(CALLS);
    const outcome = await openai.chat.completions
      .stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: TOOLS })
      .finalChatCompletion()
      .then(
        (c) => c.choices[0]?.message.tool_calls?.length ?? 0,
        (e: unknown) => e,
      );
    // Either the SDK throws, or it does not get the two calls: what our provider normalises away.
    expect(outcome).not.toBe(2);
  });
});
