import { describe, expect, it } from 'vitest';
import type { ScriptedCall } from '../../test-support/fake-llm/index.js';
import {
  chunked,
  collect,
  expectedParts,
  finish,
  interleaved,
  say,
  startFakeAnthropic,
  toolCall,
  turn,
  usage,
} from '../../test-support/fake-llm/index.js';
import { providerHarness, rejection } from '../../test-support/fake-llm/provider-harness.js';
import type { ChatRequest, ProviderError } from '../spec.js';
import type { ProviderTimeouts } from './index.js';
import { createProvider } from './index.js';

const harness = providerHarness();

function setup(timeouts?: ProviderTimeouts) {
  return harness.connect(startFakeAnthropic({ apiKey: 'sk-ant-test' }), (baseURL) => ({
    kind: 'anthropic',
    name: 'anthropic',
    baseURL,
    apiKey: 'sk-ant-test',
    ...(timeouts ? { timeouts } : {}),
  }));
}

const ASK: ChatRequest = { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] };
const SEARCH: ScriptedCall = {
  index: 0,
  id: 'toolu_01A',
  name: 'search',
  fragments: chunked('{"query":"ONNX runtime","limit":5}', 4),
};
const FETCH: ScriptedCall = {
  index: 1,
  id: 'toolu_01B',
  name: 'fetch',
  fragments: chunked('{"url":"https://example.org/a?b=c"}', 5),
};

describe('anthropic provider: streams', () => {
  it('streams text blocks, the stop reason and usage from message_start and message_delta', async () => {
    const { fake, provider } = await setup();
    const t = turn(say('Bon', 'jour', '!'), finish('stop'), usage(25, 4));
    fake.enqueue(t);
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(error).toBeUndefined();
    expect(parts).toEqual(expectedParts(t));
    const [request] = fake.requestsTo('chat');
    expect(request?.headers['x-api-key']).toBe('sk-ant-test');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body).toMatchObject({ model: 'claude-test', stream: true, max_tokens: 4096 });
  });

  it('numbers tool calls 0, 1 after a text block and keeps interleaved input_json_delta fragments apart, in order', async () => {
    const { fake, provider } = await setup();
    const t = turn(say('Let me look.'), interleaved(SEARCH, FETCH), finish('tool_calls'), usage(80, 40));
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual(expectedParts(t));
    const args = (i: number) =>
      parts
        .flatMap((p) => (p.type === 'tool-call-delta' && p.index === i ? [p.argumentsDelta] : []))
        .join('');
    expect(JSON.parse(args(0))).toEqual({ query: 'ONNX runtime', limit: 5 });
    expect(JSON.parse(args(1))).toEqual({ url: 'https://example.org/a?b=c' });
  });

  it('maps stop reasons: max_tokens is length, refusal is content_filter', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('trunc'), finish('length')), turn(finish('content_filter')));
    const finishOf = async () =>
      (await collect(provider.streamChat(ASK))).parts.find((p) => p.type === 'finish');
    expect(await finishOf()).toEqual({ type: 'finish', finishReason: 'length' });
    expect(await finishOf()).toEqual({ type: 'finish', finishReason: 'content_filter' });
  });

  it('an error event mid-stream (overloaded_error) is a retryable server error after the parts sent', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('Half'), { type: 'error', message: 'Overloaded', code: 'overloaded_error' }));
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([{ type: 'text-delta', text: 'Half' }]);
    expect(error).toMatchObject({
      kind: 'server',
      message: 'Overloaded',
      details: { upstreamCode: 'overloaded_error' },
    });
    expect((error as ProviderError).retryable).toBe(true);
  });

  it('a stream cut before message_delta is a connection error', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('Hal'), { type: 'disconnect' }));
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([{ type: 'text-delta', text: 'Hal' }]);
    expect(error).toMatchObject({ kind: 'connection' });
  });

  it('an upstream that never answers times out on the first-token deadline', async () => {
    const { fake, provider } = await setup({ firstTokenMs: 50 });
    fake.enqueue({ hang: true });
    const { error } = await collect(provider.streamChat(ASK));
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(await fake.requests[0]?.ended).toBe('aborted');
  });
});

describe('anthropic provider: errors before the stream', () => {
  it('429 rate_limit_error with retry-after; 529 overloaded; 401 with a wrong key; 400 invalid_request_error', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      {
        error: {
          status: 429,
          message: 'Number of request tokens has exceeded your rate limit',
          headers: { 'retry-after': '7' },
        },
      },
      { error: { status: 529, message: 'Overloaded' } },
      { error: { status: 400, message: 'max_tokens: Field required' } },
    );
    const limited = await rejection(provider.chat(ASK));
    expect(limited).toMatchObject({
      kind: 'rate-limited',
      details: { status: 429, retryAfterMs: 7000, upstreamCode: 'rate_limit_error' },
    });
    const overloaded = await rejection(provider.chat(ASK));
    expect(overloaded).toMatchObject({
      kind: 'server',
      details: { status: 529, upstreamCode: 'overloaded_error' },
    });
    const invalid = await rejection(provider.chat(ASK));
    expect(invalid).toMatchObject({ kind: 'invalid-request', message: 'max_tokens: Field required' });

    const wrongKey = createProvider({
      kind: 'anthropic',
      name: 'anthropic',
      baseURL: fake.url,
      apiKey: 'wrong',
    });
    harness.adopt(wrongKey);
    const auth = await rejection(wrongKey.chat(ASK));
    expect(auth).toMatchObject({
      kind: 'auth',
      details: { status: 401, upstreamCode: 'authentication_error' },
    });
  });

  it('refuses what the Messages API cannot do, before any request', async () => {
    const { fake, provider } = await setup();
    for (const bad of [
      { seed: 1 },
      { responseFormat: { type: 'json_object' } as const },
      { presencePenalty: 0.5 },
      { frequencyPenalty: 0.5 },
    ]) {
      const e = await rejection(provider.chat({ ...ASK, ...bad }));
      expect(e.kind).toBe('invalid-request');
      expect(e.details.param).toBeTruthy();
    }
    // A stream refuses on its first read, like any other stream failure, not when it is made.
    const stream = provider.streamChat({ ...ASK, seed: 1 });
    const { parts, error } = await collect(stream);
    expect(parts).toEqual([]);
    expect(error).toMatchObject({ kind: 'invalid-request', details: { param: 'seed' } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('anthropic provider: request translation', () => {
  it('splits the system prompt out, turns tool calls and results into blocks, images into sources', async () => {
    const { fake, provider } = await setup();
    await provider.chat({
      model: 'claude-test',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.org/cat.png' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Looking.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'search', arguments: '{"q":"cats"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'search', arguments: '{"q":"dogs"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'many cats' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'some dogs' }] },
        { role: 'user', content: 'So?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'search',
            description: 'Web search',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
          },
        },
        { type: 'function', function: { name: 'now' } },
      ],
      toolChoice: 'required',
      parallelToolCalls: false,
      temperature: 0.3,
      topP: 0.8,
      stop: ['###'],
      user: 'user-42',
    });
    expect(fake.requestsTo('chat')[0]?.body).toEqual({
      model: 'claude-test',
      max_tokens: 4096,
      system: 'You are terse.\n\nAnswer in French.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
            { type: 'image', source: { type: 'url', url: 'https://example.org/cat.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'cats' } },
            { type: 'tool_use', id: 'toolu_2', name: 'search', input: { q: 'dogs' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'many cats' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'some dogs' }] },
            { type: 'text', text: 'So?' },
          ],
        },
      ],
      tools: [
        {
          name: 'search',
          description: 'Web search',
          input_schema: { type: 'object', properties: { q: { type: 'string' } } },
        },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      temperature: 0.3,
      top_p: 0.8,
      stop_sequences: ['###'],
      metadata: { user_id: 'user-42' },
    });
  });

  it('maps tool choices and honours a given max_tokens', async () => {
    const { fake, provider } = await setup();
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    await provider.chat({
      ...ASK,
      tools,
      toolChoice: { type: 'function', function: { name: 'f' } },
      maxTokens: 100,
    });
    await provider.chat({ ...ASK, tools, toolChoice: 'none' });
    await provider.chat({ ...ASK, tools, toolChoice: 'auto' });
    const sent = fake.requestsTo('chat').map((r) => r.body as Record<string, unknown>);
    expect(sent.map((b) => b.tool_choice)).toEqual([
      { type: 'tool', name: 'f' },
      { type: 'none' },
      { type: 'auto' },
    ]);
    expect(sent[0]?.max_tokens).toBe(100);
  });

  it('refuses tool-call arguments that are not JSON and an image that is neither data: nor http(s)', async () => {
    const { fake, provider } = await setup();
    const badArgs = await rejection(
      provider.chat({
        ...ASK,
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      }),
    );
    expect(badArgs.kind).toBe('invalid-request');
    const badImage = await rejection(
      provider.chat({
        ...ASK,
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
        ],
      }),
    );
    expect(badImage.kind).toBe('invalid-request');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('anthropic provider: results and models', () => {
  it('a non-streaming Message becomes content, tool calls with JSON arguments, finish and usage', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(
        say('Sure.'),
        toolCall({ index: 0, id: 'toolu_9', name: 'search', fragments: ['{"q":', '"x"}'] }),
        finish('tool_calls'),
        usage(10, 5),
      ),
    );
    expect(await provider.chat(ASK)).toEqual({
      id: 'msg_fake',
      model: 'claude-test',
      content: 'Sure.',
      toolCalls: [{ id: 'toolu_9', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } }],
      finishReason: 'tool_calls',
      usage: { promptTokens: 10, completionTokens: 5 },
    });
  });

  it('lists models across pages (after_id), with created from created_at', async () => {
    const { fake, provider } = await setup();
    const page = (ids: string[], hasMore: boolean) => ({
      response: {
        kind: 'json' as const,
        body: {
          data: ids.map((id) => ({
            type: 'model',
            id,
            display_name: id,
            created_at: '2025-02-24T00:00:00Z',
          })),
          has_more: hasMore,
          first_id: ids[0],
          last_id: ids.at(-1),
        },
      },
    });
    fake.enqueueFor('models', page(['claude-a', 'claude-b'], true), page(['claude-c'], false));
    const models = await provider.listModels();
    expect(models.map((m) => m.id)).toEqual(['claude-a', 'claude-b', 'claude-c']);
    expect(models[0]).toEqual({ id: 'claude-a', created: 1_740_355_200, ownedBy: 'anthropic', kind: 'chat' });
    expect(fake.requestsTo('models').map((r) => r.query.after_id)).toEqual([undefined, 'claude-b']);
    expect(provider.embed).toBeUndefined();
    expect(provider.capabilities.embeddings).toBe(false);
  });
});
