/**
 * The gateway over real HTTP, in front of fake upstreams speaking OpenAI's and Anthropic's wire
 * formats: the /v1 wire format, errors in OpenAI's shape, fallbacks, mid-stream failures, client
 * disconnects, per-key allow-lists and limits, and the usage log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChatCompletion } from '../../llm/openai-request.js';
import { finish, interleaved, say, turn, usage } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, sseEvents, startGateway } from '../../test-support/llm-gateway.js';

let g: GatewayFixture;
beforeAll(async () => {
  g = await startGateway();
}, 60_000);
afterAll(async () => {
  await g?.close();
});

const hello = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

function expectOpenAiError(body: unknown, code: string | null, param?: string | null) {
  expect(body).toEqual({
    error: {
      message: expect.any(String),
      type: expect.any(String),
      param:
        param === undefined ? expect.toSatisfy((p: unknown) => p === null || typeof p === 'string') : param,
      code,
    },
  });
}

describe('POST /v1/chat/completions', () => {
  it('answers a non-streamed completion in OpenAI shape, with the upstream usage', async () => {
    g.openai.enqueue(turn(say('Hel', 'lo'), finish('stop'), usage(12, 2)));
    const res = await g.post('/v1/chat/completions', hello);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'openai/gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop', logprobs: null },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    const upstream = g.openai.requestsTo('chat').at(-1)!;
    expect(upstream.headers.authorization).toBe('Bearer sk-upstream');
    expect((upstream.body as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('streams SSE chunks, a usage chunk when asked, then [DONE]', async () => {
    g.openai.enqueue(turn(say('Hel', 'lo'), finish('stop'), usage(5, 2)));
    const res = await g.post('/v1/chat/completions', {
      ...hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(
      chunks
        .flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? ''))
        .join(''),
    ).toBe('Hello');
    const finishes = chunks.flatMap((c) =>
      c.choices.filter((ch: { finish_reason: unknown }) => ch.finish_reason !== null),
    );
    expect(finishes).toHaveLength(1);
    expect(finishes[0].finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    for (const c of chunks.slice(0, -1)) expect(c.usage ?? null).toBeNull();
  });

  it('keeps interleaved parallel tool-call fragments by index, in order', async () => {
    const a = { index: 0, id: 'call_a', name: 'get_weather', fragments: ['{"ci', 'ty":', '"Oslo"}'] };
    const b = { index: 1, id: 'call_b', name: 'get_time', fragments: ['{"tz"', ':"CET', '"}'] };
    g.openai.enqueue(turn(interleaved(a, b), finish('tool_calls')));
    const res = await g.post('/v1/chat/completions', {
      ...hello,
      stream: true,
      tools: ['get_weather', 'get_time'].map((name) => ({
        type: 'function',
        function: { name, parameters: { type: 'object' } },
      })),
    });
    const chunks = sseEvents(await res.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e));
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    for (const c of chunks)
      for (const t of c.choices[0]?.delta.tool_calls ?? []) {
        const call = calls.get(t.index) ?? { args: '' };
        if (t.id) Object.assign(call, { id: t.id, name: t.function.name });
        call.args += t.function?.arguments ?? '';
        calls.set(t.index, call);
      }
    expect(calls.get(0)).toEqual({ id: 'call_a', name: 'get_weather', args: '{"city":"Oslo"}' });
    expect(calls.get(1)).toEqual({ id: 'call_b', name: 'get_time', args: '{"tz":"CET"}' });
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('falls back from an alias deployment that fails to its fallback', async () => {
    g.openai.enqueue(
      { error: { status: 503, message: 'down' } },
      { error: { status: 503, message: 'down' } },
    );
    g.backup.enqueue(turn(say('from backup'), finish('stop')));
    const res = await g.post('/v1/chat/completions', { ...hello, model: 'chat-default' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(body.model).toBe('chat-default');
    expect(body.choices[0]!.message.content).toBe('from backup');
  });

  it('ends a stream that fails mid-way with an error event and closes it', async () => {
    g.openai.enqueue(turn(say('half'), { type: 'error', message: 'overloaded' }));
    const res = await g.post('/v1/chat/completions', { ...hello, stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1)!);
    expectOpenAiError(last, 'upstream_error');
  });

  it("never answers with the environment's provider key when the upstream quotes it", async () => {
    g.openai.enqueue({ error: { status: 401, message: 'Incorrect API key provided: sk-upstream.' } });
    const res = await g.post('/v1/chat/completions', hello);
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toContain('sk-upstream');
    expect(text).toContain('[credential]');
    g.openai.enqueue(turn(say('half'), { type: 'error', message: 'rejected key sk-upstream' }));
    const streamed = await (await g.post('/v1/chat/completions', { ...hello, stream: true })).text();
    expect(streamed).toContain('half');
    expect(streamed).not.toContain('sk-upstream');
    expect(streamed).toContain('[credential]');
  });

  it('answers a stream that cannot start as a plain JSON error, not as SSE', async () => {
    g.openai.enqueue({ error: { status: 400, message: 'bad things', param: 'messages' } });
    const res = await g.post('/v1/chat/completions', { ...hello, stream: true });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expectOpenAiError(await res.json(), 'bad_request');
  });

  it('records a stream its reader gives up on before reading a part as aborted, and stops the upstream', async () => {
    g.openai.enqueue(turn(say('a'), { type: 'stall' }));
    const gateway = g.server.context.llm.gateway;
    const stream = await gateway.stream(
      { subject: 'admin-key', requestId: 'never-read' },
      parseChatCompletion({ ...hello, stream: true }),
    );
    const it = stream.parts[Symbol.asyncIterator]();
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await expect(g.openai.requestsTo('chat').at(-1)!.ended).resolves.toBe('aborted');
    const [row] = await g.server.context.llm.usage.recent(1);
    expect(row).toMatchObject({ requestId: 'never-read', status: 'aborted', stream: true });
  });

  it('aborts the upstream at once when the client disconnects', async () => {
    g.openai.enqueue(turn(say('a'), { type: 'stall' }));
    const ctl = new AbortController();
    const res = await g.post('/v1/chat/completions', { ...hello, stream: true }, ADMIN_KEY);
    void ctl;
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const upstream = g.openai.requestsTo('chat').at(-1)!;
    await expect(upstream.ended).resolves.toBe('aborted');
    // …and the aborted call is recorded with what it streamed.
    let row: { status: string; completionTokens: number } | undefined;
    for (let i = 0; i < 50 && row?.status !== 'aborted'; i++) {
      [row] = await g.server.context.llm.usage.recent(1);
      if (row?.status !== 'aborted') await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toMatchObject({ status: 'aborted', stream: true });
    expect(row!.completionTokens).toBeGreaterThan(0);
  });

  it('gives up on an upstream that never sends a first token: 504, never a hang', async () => {
    g.openai.enqueue({ hang: true }, { hang: true });
    const res = await g.post('/v1/chat/completions', { ...hello, stream: true });
    expect(res.status).toBe(504);
    expectOpenAiError(await res.json(), 'deadline_exceeded');
  });

  it('counts requests, tokens and time to first token in /metrics', async () => {
    g.openai.enqueue(turn(say('m'), finish('stop'), usage(3, 1)));
    await (await g.post('/v1/chat/completions', { ...hello, stream: true })).text();
    const text = await (await fetch(`${g.url}/metrics`)).text();
    expect(text).toMatch(
      /modelgarden_llm_requests_total\{model="openai\/gpt-4o-mini",provider="openai",endpoint="chat",status="ok"\} [1-9]/,
    );
    expect(text).toMatch(
      /modelgarden_llm_tokens_total\{model="openai\/gpt-4o-mini",provider="openai",direction="completion"\} [1-9]/,
    );
    expect(text).toMatch(
      /modelgarden_llm_time_to_first_token_seconds_count\{model="openai\/gpt-4o-mini",provider="openai"\} [1-9]/,
    );
    expect(text).toMatch(
      /modelgarden_llm_upstream_errors_total\{provider="openai",deployment="openai\/gpt-4o-mini",kind="timeout"\} [1-9]/,
    );
    expect(text).toMatch(
      /modelgarden_llm_fallbacks_total\{model="chat-default",from="openai\/gpt-4o-mini"\} [1-9]/,
    );
  });

  it('refuses a field the provider cannot honour, naming it', async () => {
    const res = await g.post('/v1/chat/completions', { ...hello, model: 'anthropic/claude-haiku', seed: 7 });
    expect(res.status).toBe(400);
    expectOpenAiError(await res.json(), 'unsupported_parameter', 'seed');
    const n = await g.post('/v1/chat/completions', { ...hello, n: 2 });
    expectOpenAiError(await n.json(), 'unsupported_parameter', 'n');
  });
});

describe('/v1 errors', () => {
  it('404 model_not_found for an unknown model', async () => {
    const res = await g.post('/v1/chat/completions', { ...hello, model: 'openai/nope' });
    expect(res.status).toBe(404);
    expectOpenAiError(await res.json(), 'model_not_found', 'model');
  });

  it('401 invalid_api_key without credentials, even on a loopback bind', async () => {
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    });
    expect(res.status).toBe(401);
    expectOpenAiError(await res.json(), 'invalid_api_key');
    const bad = await g.post('/v1/chat/completions', hello, 'mg_not-a-real-key-000000000000');
    expect(bad.status).toBe(401);
    expectOpenAiError(await bad.json(), 'invalid_api_key');
  });

  it('400 for malformed JSON, wrong types and unknown fields; 413 for a too-large body', async () => {
    const malformed = await g.post('/v1/chat/completions', '{"model": ');
    expect(malformed.status).toBe(400);
    expectOpenAiError(await malformed.json(), 'malformed_json');
    const wrong = await g.post('/v1/chat/completions', { ...hello, temperature: 'hot' });
    expect(wrong.status).toBe(400);
    expectOpenAiError(await wrong.json(), 'validation_failed', 'temperature');
    const unknown = await g.post('/v1/chat/completions', { ...hello, frobnicate: true });
    expectOpenAiError(await unknown.json(), 'unsupported_parameter', 'frobnicate');
    const big = await g.post('/v1/chat/completions', { ...hello, user: 'x'.repeat(17 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expectOpenAiError(await big.json(), 'payload_too_large');
  });

  it('429 with Retry-After when the upstream keeps rate limiting', async () => {
    g.anthropic.enqueue(
      { error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } },
      { error: { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } },
    );
    const res = await g.post('/v1/chat/completions', { ...hello, model: 'claude' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expectOpenAiError(await res.json(), 'rate_limit_exceeded');
  });
});

describe('keys: scopes, allow-lists, limits, usage', () => {
  it('needs the chat scope, honours the allow-list and the per-minute request limit', async () => {
    const noChat = await g.key(['predict']);
    expect((await g.post('/v1/chat/completions', hello, noChat.key)).status).toBe(403);
    const k = await g.key();
    const put = await fetch(`${g.url}/api/llm/keys/${k.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({
        allowedModels: ['openai/*'],
        requestsPerMinute: 2,
        tokensPerMinute: null,
        tokensPerDay: null,
        tokensPerMonth: null,
        storeContent: true,
      }),
    });
    expect(put.status).toBe(200);
    const denied = await g.post('/v1/chat/completions', { ...hello, model: 'claude' }, k.key);
    expect(denied.status).toBe(403);
    expectOpenAiError(await denied.json(), 'model_not_allowed', 'model');
    const models = (await (
      await fetch(`${g.url}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } })
    ).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id).sort()).toEqual([
      'openai/gpt-4o-mini',
      'openai/text-embedding-3-small',
    ]);
    expect((await g.post('/v1/chat/completions', hello, k.key)).status).toBe(200);
    expect((await g.post('/v1/chat/completions', hello, k.key)).status).toBe(200);
    const limited = await g.post('/v1/chat/completions', hello, k.key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expectOpenAiError(await limited.json(), 'rate_limit_exceeded');
  });

  it('records usage for every request, with the tokenizer when the upstream reports none', async () => {
    const k = await g.key();
    g.openai.enqueue(turn(say('counted by us'), finish('stop')));
    expect((await g.post('/v1/chat/completions', { ...hello, stream: true }, k.key)).status).toBe(200);
    await g.post('/v1/chat/completions', { ...hello, model: 'openai/none' }, k.key);
    const res = await fetch(`${g.url}/api/llm/usage?by=key`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const { totals } = (await res.json()) as {
      totals: Array<{ group: string; requests: number; completionTokens: number; errors: number }>;
    };
    const mine = totals.find((t) => t.group === String(k.id))!;
    expect(mine).toMatchObject({ requests: 2, errors: 1 });
    expect(mine.completionTokens).toBeGreaterThan(0);
  });
});

describe('the web session and pass-through of what the provider honours', () => {
  it('a signed-in web session may chat (with its CSRF token), counted per user', async () => {
    await g.key(); // makes the user llm-user
    const login = await fetch(`${g.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'llm-user', password: 'a-long-enough-password-1' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    g.openai.enqueue(turn(say('hi from a session'), finish('stop')));
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify(hello),
    });
    expect(res.status).toBe(200);
    const [row] = await g.server.context.llm.usage.recent(1);
    expect(row).toMatchObject({ subject: expect.stringMatching(/^user:\d+$/), keyId: null, status: 'ok' });
    const noCsrf = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(hello),
    });
    expect(noCsrf.status).toBe(403);
  });

  it('passes image parts, tools, response_format, seed and the sampling fields to the upstream', async () => {
    g.openai.enqueue(turn(say('{}'), finish('stop')));
    const image = {
      type: 'image_url',
      image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
    };
    const res = await g.post('/v1/chat/completions', {
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer in JSON' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      temperature: 0.1,
      top_p: 0.9,
      max_completion_tokens: 50,
      stop: ['END'],
      seed: 42,
      user: 'u-1',
    });
    expect(res.status).toBe(200);
    const sent = g.openai.requestsTo('chat').at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system' }, { role: 'user', content: [{ type: 'text' }, image] }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer' } },
      temperature: 0.1,
      top_p: 0.9,
      stop: ['END'],
      seed: 42,
      user: 'u-1',
    });
  });
});

describe('POST /v1/embeddings and GET /v1/models', () => {
  it('returns float and base64 (little-endian float32) vectors that agree', async () => {
    const ask = { model: 'openai/text-embedding-3-small', input: ['one', 'two'] };
    const float = (await (await g.post('/v1/embeddings', ask)).json()) as {
      data: Array<{ embedding: number[]; index: number }>;
      usage: { prompt_tokens: number };
    };
    expect(float.data.map((d) => d.index)).toEqual([0, 1]);
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
    const b64 = (await (await g.post('/v1/embeddings', { ...ask, encoding_format: 'base64' })).json()) as {
      data: Array<{ embedding: string }>;
    };
    const bytes = Buffer.from(b64.data[1]!.embedding, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toEqual(float.data[1]!.embedding.map((v) => Math.fround(v)));
  });

  it('refuses embeddings on a model whose provider has none', async () => {
    const res = await g.post('/v1/embeddings', { model: 'anthropic/claude-haiku', input: 'x' });
    expect(res.status).toBe(400);
    expectOpenAiError(await res.json(), 'unsupported_parameter', 'model');
  });

  it('lists aliases and every provider model; 404 for an unknown id', async () => {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const list = (await (await fetch(`${g.url}/v1/models`, { headers: auth })).json()) as {
      object: string;
      data: Array<{ id: string; object: string; created: number; owned_by: string }>;
    };
    expect(list.object).toBe('list');
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'chat-default',
        'claude',
        'openai/gpt-4o-mini',
        'backup/gpt-4o-mini',
        'anthropic/claude-haiku',
      ]),
    );
    for (const m of list.data)
      expect(m).toEqual({
        id: m.id,
        object: 'model',
        created: expect.any(Number),
        owned_by: expect.any(String),
      });
    const one = await fetch(`${g.url}/v1/models/openai/gpt-4o-mini`, { headers: auth });
    expect(await one.json()).toMatchObject({ id: 'openai/gpt-4o-mini', object: 'model' });
    const missing = await fetch(`${g.url}/v1/models/openai/nope`, { headers: auth });
    expect(missing.status).toBe(404);
    expectOpenAiError(await missing.json(), 'model_not_found', 'model');
  });
});
