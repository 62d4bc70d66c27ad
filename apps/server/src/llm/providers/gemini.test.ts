import { describe, expect, it } from 'vitest';
import {
  collect,
  expectedParts,
  fakeEmbedding,
  finish,
  interleaved,
  say,
  startFakeGemini,
  turn,
  usage,
} from '../../test-support/fake-llm/index.js';
import { providerHarness, rejection } from '../../test-support/fake-llm/provider-harness.js';
import type { ChatRequest } from '../spec.js';

const harness = providerHarness();

function setup() {
  return harness.connect(startFakeGemini({ apiKey: 'AIza-test' }), (baseURL) => ({
    kind: 'gemini',
    name: 'gemini',
    baseURL,
    apiKey: 'AIza-test',
  }));
}

const ASK: ChatRequest = { model: 'gemini-test', messages: [{ role: 'user', content: 'hi' }] };

/** The parts with each tool-call id replaced by its position: Gemini gives no ids, the provider makes them. */
function withoutIds<T extends { type: string }>(parts: T[]): T[] {
  return parts.map((p) => (p.type === 'tool-call-start' ? { ...p, id: '<id>' } : p));
}

describe('gemini provider: streams', () => {
  it('streams text parts, the finish and the last usageMetadata, over streamGenerateContent?alt=sse', async () => {
    const { fake, provider } = await setup();
    const t = turn(say('Hal', 'lo', ' Welt'), finish('stop'), usage(8, 3));
    fake.enqueue(t);
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(error).toBeUndefined();
    expect(parts).toEqual(expectedParts(t));
    const [request] = fake.requestsTo('chat');
    expect(request?.path).toBe('/v1beta/models/gemini-test:streamGenerateContent');
    expect(request?.query.alt).toBe('sse');
    expect(request?.headers['x-goog-api-key']).toBe('AIza-test');
  });

  it('turns whole parallel function calls into a start and one delta each, with unique synthesized ids', async () => {
    const { fake, provider } = await setup();
    const t = turn(
      say('Checking both.'),
      interleaved(
        { index: 0, id: 'unused-a', name: 'get_weather', fragments: ['{"city":', '"Oslo"}'] },
        { index: 1, id: 'unused-b', name: 'get_time', fragments: ['{"zone":"CET"}'] },
      ),
      finish('tool_calls'),
      usage(20, 10),
    );
    fake.enqueue(t);
    const { parts } = await collect(provider.streamChat(ASK));
    expect(withoutIds(parts)).toEqual(withoutIds(expectedParts(t, { wholeCalls: true })));
    const ids = parts.flatMap((p) => (p.type === 'tool-call-start' ? [p.id] : []));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^call_\w+$/);
  });

  it('regression: MALFORMED_FUNCTION_CALL is an error after the parts sent, never a quiet stop', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(say('I will call'), finish('stop', 'MALFORMED_FUNCTION_CALL')),
      turn(finish('stop', 'MALFORMED_FUNCTION_CALL')),
    );
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(parts).toEqual([{ type: 'text-delta', text: 'I will call' }]);
    expect(error).toMatchObject({
      kind: 'bad-response',
      details: { upstreamCode: 'MALFORMED_FUNCTION_CALL' },
    });
    const e = await rejection(provider.chat(ASK));
    expect(e.details.upstreamCode).toBe('MALFORMED_FUNCTION_CALL');
  });

  it('maps SAFETY to content_filter and MAX_TOKENS to length', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(turn(say('x'), finish('content_filter')), turn(say('y'), finish('length')));
    const finishOf = async () =>
      (await collect(provider.streamChat(ASK))).parts.find((p) => p.type === 'finish');
    expect(await finishOf()).toEqual({ type: 'finish', finishReason: 'content_filter' });
    expect(await finishOf()).toEqual({ type: 'finish', finishReason: 'length' });
  });

  it('a blocked prompt (promptFeedback, no candidates) finishes as content_filter', async () => {
    const { fake, provider } = await setup();
    fake.enqueue({
      response: {
        kind: 'sse',
        frames: [
          { data: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4 } } },
        ],
      },
    });
    const { parts, error } = await collect(provider.streamChat(ASK));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'finish', finishReason: 'content_filter' },
      { type: 'usage', usage: { promptTokens: 4, completionTokens: 0 } },
    ]);
  });

  it('an error event mid-stream and a stream that ends with no finish reason are errors', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(say('Hal'), {
        type: 'error',
        message: 'The service is currently unavailable.',
        status: 503,
        code: 'UNAVAILABLE',
      }),
      turn(say('Hal'), { type: 'disconnect' }),
    );
    const midStream = await collect(provider.streamChat(ASK));
    expect(midStream.parts).toEqual([{ type: 'text-delta', text: 'Hal' }]);
    expect(midStream.error).toMatchObject({ kind: 'server', details: { upstreamCode: 'UNAVAILABLE' } });
    const cut = await collect(provider.streamChat(ASK));
    expect(cut.error).toMatchObject({ kind: 'connection' });
  });
});

describe('gemini provider: errors before the stream', () => {
  it('429 RESOURCE_EXHAUSTED with RetryInfo, 400 API_KEY_INVALID is auth, 400 INVALID_ARGUMENT, 503', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      { error: { status: 429, message: 'Resource has been exhausted', retryDelaySeconds: 37 } },
      {
        error: {
          status: 400,
          message: 'API key not valid. Please pass a valid API key.',
          reason: 'API_KEY_INVALID',
        },
      },
      { error: { status: 400, message: 'Invalid JSON payload received.' } },
      { error: { status: 503, message: 'The model is overloaded.' } },
    );
    const limited = await rejection(provider.chat(ASK));
    expect(limited).toMatchObject({
      kind: 'rate-limited',
      details: { status: 429, retryAfterMs: 37_000, upstreamCode: 'RESOURCE_EXHAUSTED' },
    });
    const badKey = await rejection(provider.chat(ASK));
    expect(badKey).toMatchObject({ kind: 'auth', details: { status: 400 } });
    const invalid = await rejection(provider.chat(ASK));
    expect(invalid).toMatchObject({ kind: 'invalid-request', details: { upstreamCode: 'INVALID_ARGUMENT' } });
    const down = await rejection(provider.chat(ASK));
    expect(down.kind).toBe('server');
  });

  it('refuses image URLs it cannot take and parallel_tool_calls: false, before any request', async () => {
    const { fake, provider } = await setup();
    const url = await rejection(
      provider.chat({
        ...ASK,
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.org/a.png' } }] },
        ],
      }),
    );
    expect(url).toMatchObject({ kind: 'invalid-request', details: { param: 'messages' } });
    const parallel = await rejection(
      provider.chat({
        ...ASK,
        tools: [{ type: 'function', function: { name: 'f' } }],
        parallelToolCalls: false,
      }),
    );
    expect(parallel).toMatchObject({ kind: 'invalid-request', details: { param: 'parallel_tool_calls' } });
    const orphan = await rejection(
      provider.chat({ ...ASK, messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }),
    );
    expect(orphan.kind).toBe('invalid-request');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('gemini provider: request translation', () => {
  it('systemInstruction, user/model contents, function calls and responses, images, tools, config', async () => {
    const { fake, provider } = await setup();
    await provider.chat({
      model: 'gemini-test',
      messages: [
        { role: 'system', content: 'Be helpful.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '12°C' },
        { role: 'tool', tool_call_id: 'call_2', content: '14:00' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              additionalProperties: false,
            },
          },
        },
        { type: 'function', function: { name: 'get_time' } },
      ],
      toolChoice: { type: 'function', function: { name: 'get_weather' } },
      temperature: 0.5,
      topP: 0.95,
      maxTokens: 256,
      stop: ['\n\n'],
      seed: 3,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseFormat: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    const [sent] = fake.requestsTo('chat');
    expect(sent?.path).toBe('/v1beta/models/gemini-test:generateContent');
    expect(sent?.body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Weather here?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }],
        },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
            { functionCall: { name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { content: '12°C' } } },
            { functionResponse: { name: 'get_time', response: { content: '14:00' } } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'Be helpful.' }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather for a city',
              parametersJsonSchema: {
                type: 'object',
                properties: { city: { type: 'string' } },
                additionalProperties: false,
              },
            },
            { name: 'get_time' },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      generationConfig: {
        temperature: 0.5,
        topP: 0.95,
        maxOutputTokens: 256,
        stopSequences: ['\n\n'],
        seed: 3,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
      },
    });
  });
});

describe('gemini provider: results, embeddings, models', () => {
  it('a non-streaming answer with text and a function call', async () => {
    const { fake, provider } = await setup();
    fake.enqueue(
      turn(
        say('One moment.'),
        interleaved({ index: 0, id: 'x', name: 'lookup', fragments: ['{"k":1}'] }),
        finish('tool_calls'),
        usage(6, 7),
      ),
    );
    const result = await provider.chat(ASK);
    expect({ ...result, toolCalls: result.toolCalls.map((c) => ({ ...c, id: '<id>' })) }).toEqual({
      id: 'resp-fake',
      model: 'gemini-test',
      content: 'One moment.',
      toolCalls: [{ id: '<id>', type: 'function', function: { name: 'lookup', arguments: '{"k":1}' } }],
      finishReason: 'tool_calls',
      usage: { promptTokens: 6, completionTokens: 7 },
    });
  });

  it('embeds with batchEmbedContents (model and outputDimensionality per request) and lists models across pages', async () => {
    const { fake, provider } = await setup();
    const result = await provider.embed!({
      model: 'text-embedding-004',
      input: ['one', 'two three'],
      dimensions: 5,
    });
    expect(result.embeddings).toEqual([fakeEmbedding('one', 5), fakeEmbedding('two three', 5)]);
    const [sent] = fake.requestsTo('embeddings');
    expect(sent?.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(sent?.body).toEqual({
      requests: [
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'one' }] },
          outputDimensionality: 5,
        },
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'two three' }] },
          outputDimensionality: 5,
        },
      ],
    });

    const page = (names: string[], next?: string) => ({
      response: {
        kind: 'json' as const,
        body: {
          models: names.map((name) => ({
            name: `models/${name}`,
            supportedGenerationMethods: name.includes('embedding') ? ['embedContent'] : ['generateContent'],
          })),
          ...(next ? { nextPageToken: next } : {}),
        },
      },
    });
    fake.enqueueFor('models', page(['gemini-2.0-flash'], 'p2'), page(['text-embedding-004']));
    expect(await provider.listModels()).toEqual([
      { id: 'gemini-2.0-flash', ownedBy: 'google', kind: 'chat' },
      { id: 'text-embedding-004', ownedBy: 'google', kind: 'embedding' },
    ]);
    expect(fake.requestsTo('models').map((r) => r.query.pageToken)).toEqual([undefined, 'p2']);
  });
});
