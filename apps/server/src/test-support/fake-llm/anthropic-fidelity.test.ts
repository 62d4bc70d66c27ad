/**
 * The Anthropic fake checked against the official `@anthropic-ai/sdk` client: its MessageStream
 * accumulator rejects events out of order, deltas of the wrong type for a block and tool input that
 * does not parse, so the fake's stream must be one a real client accepts.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeLlm } from './index.js';
import { chunked, finish, interleaved, say, startFakeAnthropic, turn, usage } from './index.js';

const fakes: FakeLlm[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function client() {
  const fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
  fakes.push(fake);
  return { fake, anthropic: new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 }) };
}

const ASK = { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('the Anthropic fake, read by the official SDK', () => {
  it('streams text and two tool_use blocks whose input the SDK reassembles, with usage and stop reason', async () => {
    const { fake, anthropic } = await client();
    fake.enqueue(
      turn(
        say('Let me ', 'look.'),
        interleaved(
          { index: 0, id: 'toolu_a', name: 'search', fragments: chunked('{"q":"onnx","n":3}', 4) },
          { index: 1, id: 'toolu_b', name: 'fetch', fragments: chunked('{"url":"https://x.org"}', 5) },
        ),
        finish('tool_calls'),
        usage(31, 17),
      ),
    );
    const message = await anthropic.messages.stream(ASK).finalMessage();
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_a', name: 'search', input: { q: 'onnx', n: 3 } },
      { type: 'tool_use', id: 'toolu_b', name: 'fetch', input: { url: 'https://x.org' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 31, output_tokens: 17 });
  });

  it('a non-streaming Message and the error shape map to the SDK types', async () => {
    const { fake, anthropic } = await client();
    fake.enqueue(turn(say('Hello'), finish('length'), usage(3, 1)), {
      error: { status: 529, message: 'Overloaded' },
    });
    const message = await anthropic.messages.create(ASK);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(message.stop_reason).toBe('max_tokens');
    const error = await anthropic.messages.create(ASK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain(
      'overloaded_error',
    );
  });

  it('a mid-stream error event makes the SDK throw', async () => {
    const { fake, anthropic } = await client();
    fake.enqueue(turn(say('half'), { type: 'error', message: 'Overloaded', code: 'overloaded_error' }));
    const error = await anthropic.messages
      .stream(ASK)
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
  });
});
