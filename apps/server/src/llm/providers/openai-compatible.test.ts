import { describe, expect, it } from 'vitest';
import type { FakeLlm, ScriptedCall } from '../../test-support/fake-llm/index.js';
import {
  chunked,
  collect,
  expectedParts,
  fakeEmbedding,
  finish,
  interleaved,
  paced,
  say,
  startFakeOllama,
  startFakeOpenAI,
  turn,
  usage,
} from '../../test-support/fake-llm/index.js';
import { providerHarness, rejection } from '../../test-support/fake-llm/provider-harness.js';
import type { ChatRequest, ChatStreamPart } from '../spec.js';
import { ProviderError } from '../spec.js';
import type { ProviderConfig } from './index.js';

const harness = providerHarness();

function setup(
  start: () => Promise<FakeLlm> = () => startFakeOpenAI(),
  extra: Partial<Extract<ProviderConfig, { kind: 'openai-compatible' }>> = {},
) {
  return harness.connect(start(), (baseURL) => ({
    kind: 'openai-compatible',
    name: 'test',
    baseURL,
    apiKey: 'sk-test',
    ...extra,
  }));
}

const ASK: ChatRequest = { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] };

const WEATHER: ScriptedCall = {
  index: 0,
  id: 'call_weather',
  name: 'get_weather',
  fragments: chunked('{"city":"Oslo","unit":"celsius","days":[1,2,3]}', 3),
};
const TIME: ScriptedCall = {
  index: 1,
  id: 'call_time',
  name: 'get_time',
  fragments: chunked('{"zone":"Europe/Oslo"}', 2),
};

/** A hand-written chat.completion.chunk frame, for wire shapes the fakes do not produce. */
function rawChunk(delta: unknown, finishReason: string | null = null) {
  return {
    data: {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    },
  };
}

function argumentsByIndex(parts: ChatStreamPart[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const p of parts)
    if (p.type === 'tool-call-delta') out[p.index] = (out[p.index] ?? '') + p.argumentsDelta;
  return out;
}

describe('openai-compatible provider: streams', () => {
  it('streams text then the finish and the usage chunk, asking for usage', async () => {
    const { fake, provider } = await setup();
    const t = turn(say('Hel', 'lo', ' there'), finish('stop'), usage(12, 3));
    fake.enqueue(t);
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(error).toBeUndefined();
    expect(parts).toEqual(expectedParts(t));
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 12, completionTokens: 3 },
    });
    const [request] = fake.requestsTo('chat');
    expect(request?.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.headers.accept).toBe('text/event-stream');
  });

  it('keeps every argument fragment of parallel tool calls interleaved across many chunks, in order', async () => {
    const { fake, provider } = await setup();
    const t = turn(interleaved(WEATHER, TIME), finish('tool_calls'), usage(40, 20));
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual(expectedParts(t));
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toHaveLength(
      WEATHER.fragments.length + TIME.fragments.length,
    );
    const args = argumentsByIndex(parts);
    expect(JSON.parse(args[0]!)).toEqual({ city: 'Oslo', unit: 'celsius', days: [1, 2, 3] });
    expect(JSON.parse(args[1]!)).toEqual({ zone: 'Europe/Oslo' });
  });

  it('finished streams hand their connection back: sequential streams reuse kept-alive connections', async () => {
    const { fake, provider } = await setup();
    for (let i = 0; i < 6; i++) {
      fake.enqueue(turn(say('a', 'b'), finish('stop'), usage(1, 1)));
      expect((await collect(provider.streamChat(ASK))).error).toBeUndefined();
    }
    const connections = new Set(fake.requests.map((r) => r.remotePort));
    expect(connections.size).toBeLessThan(fake.requests.length);
  });

  it("normalises vLLM's opening tool-call deltas that carry no arguments", async () => {
    const { fake, provider } = await setup(() => startFakeOpenAI({ variant: 'vllm' }));
    const t = turn(interleaved(WEATHER, TIME), finish('tool_calls'));
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual(expectedParts(t));
  });

  it("turns Ollama's whole-call chunks into a start and one delta per call", async () => {
    const { fake, provider } = await setup(() => startFakeOllama());
    const t = turn(say('Checking'), interleaved(WEATHER, TIME), finish('tool_calls'), usage(9, 9));
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual(expectedParts(t, { wholeCalls: true }));
  });

  it('regression ollama/ollama#7881 and #7963: calls without index, finished with stop, are still two calls and tool_calls', async () => {
    const { fake, provider } = await setup(() =>
      startFakeOllama({ noToolCallIndex: true, stopAfterToolCalls: true }),
    );
    const t = turn(interleaved(WEATHER, TIME), finish('tool_calls'));
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual(expectedParts(t, { wholeCalls: true }));
  });

  it('parallel calls that share index 0 but have their own ids stay two calls', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({
      response: {
        kind: 'sse',
        frames: [
          rawChunk({
            role: 'assistant',
            tool_calls: [
              { index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
            ],
          }),
          rawChunk({
            tool_calls: [
              { index: 0, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y":' } },
            ],
          }),
          rawChunk({ tool_calls: [{ index: 0, function: { arguments: '2}' } }] }),
          rawChunk({}, 'tool_calls'),
          { data: '[DONE]' },
        ],
      },
    });
    const { parts } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"y":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '2}' },
      { type: 'finish', finishReason: 'tool_calls' },
    ]);
  });

  it('holds arguments that arrive before the function name until the name comes, and refuses a call never named', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      {
        response: {
          kind: 'sse',
          frames: [
            rawChunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
            rawChunk({
              tool_calls: [{ index: 0, id: 'call_q', function: { name: 'search', arguments: '"x"}' } }],
            }),
            rawChunk({}, 'tool_calls'),
            { data: '[DONE]' },
          ],
        },
      },
      {
        response: {
          kind: 'sse',
          frames: [
            rawChunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
            rawChunk({}, 'tool_calls'),
            { data: '[DONE]' },
          ],
        },
      },
    );
    const first = await collect(provider.streamChat(ASK));
    expect(first.parts).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_q', name: 'search' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"x"}' },
      { type: 'finish', finishReason: 'tool_calls' },
    ]);
    const second = await collect(provider.streamChat(ASK));
    expect(second.error).toBeInstanceOf(ProviderError);
    expect((second.error as ProviderError).kind).toBe('bad-response');
  });

  it('parses events split across writes, CRLF line endings and keep-alive comments', async () => {
    const { fake, provider } = await setup();
    const body = (content: string) =>
      JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      });
    const fin = JSON.stringify({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    });
    const wire = `: ping\r\n\r\ndata: ${body('Grüß')}\r\n\r\ndata: ${body(' 🌍')}\n\ndata: ${fin}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const bytes = Buffer.from(wire);
    // Cut inside the multi-byte characters as well as inside the JSON.
    const cuts = [5, 40, bytes.indexOf('ü') + 1, bytes.indexOf('🌍') + 2, bytes.length - 3];
    const frames: Array<{ raw: Uint8Array; delayMs: number }> = [];
    let at = 0;
    for (const cut of [...cuts, bytes.length]) {
      // A delay between writes so each goes out on its own.
      frames.push({ raw: bytes.subarray(at, cut), delayMs: 5 });
      at = cut;
    }
    fake.enqueue({ response: { kind: 'sse', frames } });
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Grüß' },
      { type: 'text-delta', text: ' 🌍' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });
});

describe('openai-compatible provider: failures', () => {
  it('a 429 with retry-after is rate-limited with the hint, the code kept, retryable', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({ error: { status: 429, message: 'Rate limit reached', headers: { 'retry-after': '2' } } });
    const { error } = await collect(provider.streamChat(ASK));
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e.kind).toBe('rate-limited');
    expect(e.details).toMatchObject({
      status: 429,
      retryAfterMs: 2000,
      upstreamCode: 'rate_limit_exceeded',
      provider: 'test',
    });
    expect(e.message).toBe('Rate limit reached');
    expect(e.retryable).toBe(true);
    expect(e.fallbackAllowed).toBe(true);
  });

  it('retry-after-ms wins over retry-after', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({ error: { status: 429, headers: { 'retry-after-ms': '350', 'retry-after': '9' } } });
    const e = await rejection(provider.chat(ASK));
    expect(e.details.retryAfterMs).toBe(350);
  });

  it('maps statuses to kinds: the caller at fault, our key, the upstream down', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      { error: { status: 400, message: 'bad temperature', param: 'temperature', code: 'invalid_value' } },
      { error: { status: 404, message: 'The model `x` does not exist' } },
      { error: { status: 401, message: 'Incorrect API key' } },
      { error: { status: 503, message: 'down' } },
    );
    const bad = await rejection(provider.chat(ASK));
    expect(bad).toMatchObject({
      kind: 'invalid-request',
      details: { param: 'temperature', upstreamCode: 'invalid_value', status: 400 },
    });
    expect(bad.fallbackAllowed).toBe(false);
    const missing = await rejection(provider.chat(ASK));
    expect(missing).toMatchObject({ kind: 'invalid-request', details: { upstreamCode: 'model_not_found' } });
    const auth = await rejection(provider.chat(ASK));
    expect(auth).toMatchObject({ kind: 'auth', details: { upstreamCode: 'invalid_api_key' } });
    expect(auth.retryable).toBe(false);
    expect(auth.fallbackAllowed).toBe(true);
    const down = await rejection(provider.chat(ASK));
    expect(down.kind).toBe('server');
    expect(down.retryable).toBe(true);
  });

  it("reads Ollama's error shape", async () => {
    const { fake, provider } = await setup(() => startFakeOllama());
    fake.enqueue({ error: { status: 404, message: 'model "nope" not found, try pulling it first' } });
    const e = await rejection(provider.chat(ASK));
    expect(e).toMatchObject({
      kind: 'invalid-request',
      message: 'model "nope" not found, try pulling it first',
    });
    expect(e.details.upstreamCode).toBe('not_found_error');
  });

  it('a mid-stream error event ends the stream with a ProviderError after the parts already sent', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(say('Hal', 'f'), { type: 'error', message: 'The server had an error', code: 'server_error' }),
    );
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hal' },
      { type: 'text-delta', text: 'f' },
    ]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toBe('The server had an error');
    expect((error as ProviderError).details.upstreamCode).toBe('server_error');
  });

  it('a connection that dies mid-stream is a connection error, never a quiet end', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('par', 'tial'), { type: 'disconnect' }));
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toHaveLength(2);
    expect((error as ProviderError).kind).toBe('connection');
  });

  it('a slow first token is waited for; a first-token deadline shorter than it is a timeout', async () => {
    const { fake, provider } = await setup(undefined, { timeouts: { firstTokenMs: 5_000 } });
    const slow = turn(paced(['fin', 'ally'], { firstMs: 300, everyMs: 10 }), finish('stop'));
    fake.enqueue(slow);
    expect((await collect(provider.streamChat(ASK))).parts).toEqual(expectedParts(slow));

    const strict = await setup(undefined, { timeouts: { firstTokenMs: 50 } });
    strict.fake.enqueue(slow);
    const { parts, error } = await collect(strict.provider.streamChat(ASK));
    expect(parts).toEqual([]);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(await strict.fake.requests[0]?.ended).toBe('aborted');
  });

  it('an upstream that never answers is abandoned when the caller aborts, and the upstream sees it go', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = collect(provider.streamChat(ASK, { signal: controller.signal }));
    await until(() => fake.requests.length === 1);
    controller.abort();
    const { error } = await pending;
    expect(error).toMatchObject({ kind: 'aborted' });
    expect((error as ProviderError).fallbackAllowed).toBe(false);
    expect(await fake.requests[0]?.ended).toBe('aborted');
  });

  it('an abort mid-stream ends the stream as aborted after the parts sent, and closes the upstream request', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('first'), { type: 'stall' }));
    const controller = new AbortController();
    const parts: ChatStreamPart[] = [];
    const error = await (async () => {
      for await (const part of provider.streamChat(ASK, { signal: controller.signal })) {
        parts.push(part);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(parts).toEqual([{ type: 'text-delta', text: 'first' }]);
    expect(error).toMatchObject({ kind: 'aborted' });
    expect(await fake.requests[0]?.ended).toBe('aborted');
  });

  it('the whole-call deadline ends a non-streaming call to a silent upstream', async () => {
    const { fake, provider } = await setup(undefined, { timeouts: { totalMs: 100 } });
    fake.enqueue({ hang: true });
    const e = await rejection(provider.chat(ASK));
    expect(e.kind).toBe('timeout');
    expect(e.retryable).toBe(true);
  });

  it('a consumer that stops reading a stalled stream cancels the upstream request', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('one'), { type: 'stall' }));
    for await (const part of provider.streamChat(ASK)) {
      expect(part).toEqual({ type: 'text-delta', text: 'one' });
      break;
    }
    expect(await fake.requests[0]?.ended).toBe('aborted');
  });

  it('a refused connection is a connection error', async () => {
    const { fake, provider } = await setup();
    await fake.close();
    const e = await rejection(provider.chat(ASK));
    expect(e.kind).toBe('connection');
    expect(e.retryable).toBe(true);
  });

  it('a 200 JSON error answer to a stream request is that error, not an empty stream', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({
      response: {
        kind: 'json',
        body: {
          error: {
            message: 'context length exceeded',
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
          },
        },
      },
    });
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([]);
    expect(error).toMatchObject({
      message: 'context length exceeded',
      details: { upstreamCode: 'context_length_exceeded' },
    });
  });

  it('a stream that ends without a finish reason or [DONE] is an error', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({
      response: { kind: 'sse', frames: [{ data: { choices: [{ index: 0, delta: { content: 'x' } }] } }] },
    });
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([{ type: 'text-delta', text: 'x' }]);
    expect(error).toMatchObject({ kind: 'connection' });
  });
});

describe('openai-compatible provider: requests, results, embeddings, models', () => {
  it('sends the canonical request in OpenAI fields, with the configured headers and max-tokens field', async () => {
    const { fake, provider } = await setup(undefined, {
      headers: { 'x-org': 'garden' },
      maxTokensField: 'max_completion_tokens',
    });
    const request: ChatRequest = {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"it"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'look', parameters: { type: 'object', properties: { at: { type: 'string' } } } },
        },
      ],
      toolChoice: 'required',
      parallelToolCalls: false,
      responseFormat: { type: 'json_object' },
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 64,
      stop: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      user: 'u-1',
    };
    await provider.chat(request, { headers: { traceparent: '00-abc-def-01' } });
    const [sent] = fake.requestsTo('chat');
    expect(sent?.body).toEqual({
      model: 'gpt-test',
      messages: request.messages,
      tools: request.tools,
      parallel_tool_calls: false,
      tool_choice: 'required',
      response_format: { type: 'json_object' },
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      user: 'u-1',
    });
    expect(sent?.headers['x-org']).toBe('garden');
    expect(sent?.headers.traceparent).toBe('00-abc-def-01');
  });

  it('sends developer messages as system to servers other than OpenAI (chat templates drop unknown roles)', async () => {
    const { fake, provider } = await setup();
    await provider.chat({ ...ASK, messages: [{ role: 'developer', content: 'Be brief.' }, ...ASK.messages] });
    expect(fake.requestsTo('chat')[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    const kept = await setup(undefined, { developerAsSystem: false });
    await kept.provider.chat({ ...ASK, messages: [{ role: 'developer', content: 'Be brief.' }] });
    expect(kept.fake.requestsTo('chat')[0]?.body).toMatchObject({
      messages: [{ role: 'developer', content: 'Be brief.' }],
    });
  });

  it('uses max_completion_tokens for OpenAI itself by default and max_tokens elsewhere', async () => {
    const { fake, provider } = await setup();
    await provider.chat({ ...ASK, maxTokens: 5 });
    expect(fake.requestsTo('chat')[0]?.body).toMatchObject({ max_tokens: 5 });
  });

  it('a non-streaming answer: text, tool calls with whole arguments, finish and usage', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(interleaved(WEATHER, TIME), finish('tool_calls'), {
        type: 'usage',
        promptTokens: 30,
        completionTokens: 12,
        cachedTokens: 4,
        reasoningTokens: 2,
      }),
    );
    const result = await provider.chat(ASK);
    expect(result).toEqual({
      id: 'chatcmpl-fake',
      model: 'gpt-test',
      content: null,
      refusal: null,
      toolCalls: [
        {
          id: 'call_weather',
          type: 'function',
          function: { name: 'get_weather', arguments: WEATHER.fragments.join('') },
        },
        {
          id: 'call_time',
          type: 'function',
          function: { name: 'get_time', arguments: TIME.fragments.join('') },
        },
      ],
      finishReason: 'tool_calls',
      usage: { promptTokens: 30, completionTokens: 12, cachedPromptTokens: 4, reasoningTokens: 2 },
    });
  });

  it('embeds in input order, passing dimensions, and lists models', async () => {
    const { fake, provider } = await setup();
    const result = await provider.embed!({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta gamma'],
      dimensions: 3,
    });
    expect(result.embeddings).toEqual([fakeEmbedding('alpha', 3), fakeEmbedding('beta gamma', 3)]);
    expect(result.usage?.promptTokens).toBeGreaterThan(0);
    expect(fake.requestsTo('embeddings')[0]?.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta gamma'],
      encoding_format: 'float',
      dimensions: 3,
    });
    fake.models = [
      { id: 'gpt-4o-mini', created: 1_721_172_741 },
      { id: 'text-embedding-3-small', created: 1_705_948_997 },
    ];
    expect(await provider.listModels()).toEqual([
      { id: 'gpt-4o-mini', created: 1_721_172_741, ownedBy: 'fake-owner', kind: 'chat' },
      { id: 'text-embedding-3-small', created: 1_705_948_997, ownedBy: 'fake-owner', kind: 'embedding' },
    ]);
  });

  it('decodes base64 embeddings from a server that ignores encoding_format', async () => {
    const { fake, provider } = await setup();
    const floats = new Float32Array([0.5, -1.25, 3]);
    fake.enqueueFor('embeddings', {
      response: {
        kind: 'json',
        body: {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: Buffer.from(floats.buffer).toString('base64') }],
          model: 'e',
        },
      },
    });
    expect((await provider.embed!({ model: 'e', input: ['x'] })).embeddings).toEqual([[0.5, -1.25, 3]]);
  });
});

/** Waits for a condition the fake's recording makes true (no wall-clock assertion). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
