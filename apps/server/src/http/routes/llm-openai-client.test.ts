/**
 * Conformance with the official `openai` npm client (6.x, a test dependency): it drives the gateway
 * unchanged — chat, the streaming helper with tools and finalChatCompletion(), embeddings (float and
 * base64), models — and raises its own error class for each error the gateway answers.
 */
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish, say, toolCall, turn, usage } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, startGateway } from '../../test-support/llm-gateway.js';

let g: GatewayFixture;
let client: OpenAI;
beforeAll(async () => {
  g = await startGateway();
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${g.url}/v1`, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await g?.close();
});

const messages = [{ role: 'user' as const, content: 'Weather in Oslo?' }];

describe('the openai client against the gateway', () => {
  it('creates a chat completion', async () => {
    g.openai.enqueue(turn(say('Sunny', ' and cold'), finish('stop'), usage(9, 3)));
    const c = await client.chat.completions.create({
      model: 'chat-default',
      messages,
      temperature: 0.2,
      seed: 1,
    });
    expect(c.choices[0]!.message.content).toBe('Sunny and cold');
    expect(c.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    expect(c._request_id).toMatch(/.+/);
  });

  it('streams tool calls through chat.completions.stream() into finalChatCompletion()', async () => {
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'call_1', name: 'get_weather', fragments: ['{"ci', 'ty": "Os', 'lo"}'] }),
        toolCall({ index: 1, id: 'call_2', name: 'get_weather', fragments: ['{"city"', ': "Bergen"}'] }),
        finish('tool_calls'),
        usage(20, 11),
      ),
    );
    const stream = client.chat.completions.stream({
      model: 'openai/gpt-4o-mini',
      messages,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      parallel_tool_calls: true,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    const calls = final.choices[0]!.message.tool_calls!;
    expect(
      calls.map((c) => c.type === 'function' && [c.id, c.function.name, JSON.parse(c.function.arguments)]),
    ).toEqual([
      ['call_1', 'get_weather', { city: 'Oslo' }],
      ['call_2', 'get_weather', { city: 'Bergen' }],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 11 });
  });

  it('creates embeddings as floats and as base64 (which the client decodes)', async () => {
    const input = ['alpha', 'beta'];
    const float = await client.embeddings.create({
      model: 'openai/text-embedding-3-small',
      input,
      encoding_format: 'float',
    });
    // Without encoding_format the client asks for base64 and decodes it itself.
    const decoded = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input });
    expect(float.data).toHaveLength(2);
    expect(decoded.data.map((d) => d.embedding)).toEqual(
      float.data.map((d) => d.embedding.map((v) => Math.fround(v))),
    );
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('lists and retrieves models (ids with a slash)', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['chat-default', 'openai/gpt-4o-mini']));
    expect((await client.models.retrieve('openai/gpt-4o-mini')).id).toBe('openai/gpt-4o-mini');
  });
});

describe("the openai client's error classes", () => {
  it('NotFoundError for an unknown model', async () => {
    const err = await client.chat.completions.create({ model: 'openai/missing', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('AuthenticationError for a bad key', async () => {
    const bad = new OpenAI({
      apiKey: 'mg_wrong-key-000000000000000000',
      baseURL: `${g.url}/v1`,
      maxRetries: 0,
    });
    const err = await bad.chat.completions.create({ model: 'chat-default', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('PermissionDeniedError for a key without the chat scope', async () => {
    const k = await g.key(['embeddings']);
    const limited = new OpenAI({ apiKey: k.key, baseURL: `${g.url}/v1`, maxRetries: 0 });
    const err = await limited.chat.completions.create({ model: 'chat-default', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
  });

  it('RateLimitError when the upstream keeps answering 429', async () => {
    g.anthropic.enqueue(
      { error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } },
      { error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } },
    );
    const err = await client.chat.completions.create({ model: 'claude', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers.get('retry-after')).toBe('1');
  });

  it('BadRequestError naming a field the provider cannot honour', async () => {
    const err = await client.chat.completions
      .create({ model: 'claude', messages, response_format: { type: 'json_object' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ param: 'response_format', code: 'unsupported_parameter' });
  });

  it('InternalServerError when every deployment fails', async () => {
    const down = { error: { status: 500, message: 'boom' } };
    g.openai.enqueue(down, down);
    g.backup.enqueue(down, down);
    const err = await client.chat.completions.create({ model: 'chat-default', messages }).catch((e) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.status).toBe(502);
  });

  it('APIError from the stream when the upstream fails mid-stream', async () => {
    g.openai.enqueue(turn(say('part'), { type: 'error', message: 'overloaded' }));
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages,
      stream: true,
    });
    const got: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(got.join('')).toBe('part');
  });
});
