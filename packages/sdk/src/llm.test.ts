// The SDK's gateway methods (/v1 in OpenAI's format) and document uploads with progress, against a
// real server in front of a fake OpenAI upstream (apps/server's test-support) on loopback.

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish, say, toolCall, turn, usage } from '../../../apps/server/src/test-support/fake-llm/index.js';
import {
  ADMIN_KEY,
  type GatewayFixture,
  sseEvents,
  startGateway,
} from '../../../apps/server/src/test-support/llm-gateway.js';
import { pushIris, SETOSA } from '../../../apps/server/src/test-support/tool-models.js';
import {
  type ChatCompletionChunk,
  ModelGardenApiError,
  ModelGardenClient,
  type UploadProgress,
} from './index.js';

let g: GatewayFixture;
let client: ModelGardenClient;

beforeAll(async () => {
  g = await startGateway();
  client = new ModelGardenClient({ baseUrl: g.url, apiKey: (await g.key(['chat', 'predict'])).key });
  await pushIris(g.url, 'iris', ADMIN_KEY, 'public');
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const ask = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

async function failure(promise: Promise<unknown>): Promise<ModelGardenApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelGardenApiError);
  return error as ModelGardenApiError;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('the LLM gateway', { timeout: 30_000 }, () => {
  it('lists the models on offer', async () => {
    const ids = (await client.llmModels()).map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4o-mini', 'chat-default']));
  });

  it('answers a whole completion, and sends what was asked', async () => {
    g.openai.enqueue(turn(say('Hello', ' there'), finish('stop'), usage(5, 2)));
    const before = g.openai.requestsTo('chat').length;
    const answer = await client.chatCompletion({ ...ask, temperature: 0.2 });
    expect(answer.choices[0]?.message.content).toBe('Hello there');
    expect(answer.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2 });
    const sent = g.openai.requestsTo('chat')[before]?.body as { temperature: number; stream?: boolean };
    expect(sent.temperature).toBe(0.2);
    expect(sent.stream ?? false).toBe(false);
  });

  it('streams a completion as server-sent events, with the tool extension chunks', async () => {
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      ),
      turn(say('A ', 'setosa.'), finish('stop')),
    );
    const stream = await client.chatCompletionStream({ ...ask, modelgarden: { tools: ['iris'] } });
    const events = sseEvents(await readAll(stream));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as ChatCompletionChunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('A setosa.');
    const tools = chunks.flatMap((chunk) => (chunk.modelgarden ? [chunk.modelgarden] : []));
    expect(tools.map((event) => event.type)).toEqual(['tool_call', 'tool_result']);
    expect(tools[1]).toMatchObject({ name: 'iris', ok: true, result: { label: 'setosa' } });
  });

  it('stops a stream when its signal is aborted', async () => {
    g.openai.enqueue(turn({ type: 'text', text: 'first', delayMs: 0 }, { type: 'stall' }));
    const before = g.openai.requestsTo('chat').length;
    const controller = new AbortController();
    const stream = await client.chatCompletionStream(ask, { signal: controller.signal });
    const reader = stream.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('first');
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    expect(await g.openai.requestsTo('chat')[before]?.ended).toBe('aborted');
  });

  it("throws OpenAI's error codes: an unknown model, no key, a bad key", async () => {
    for (const call of [
      client.chatCompletion({ ...ask, model: 'no-such-model' }),
      client.chatCompletionStream({ ...ask, model: 'no-such-model' }),
    ]) {
      const error = await failure(call);
      expect({ status: error.status, code: error.code }).toEqual({ status: 404, code: 'model_not_found' });
    }
    const anonymous = new ModelGardenClient({ baseUrl: g.url });
    const error = await failure(anonymous.chatCompletionStream(ask));
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'invalid_api_key' });
    expect(error.message).toMatch(/API key/);
    const bad = new ModelGardenClient({ baseUrl: g.url, apiKey: 'mg_not_a_key' });
    expect((await failure(bad.llmModels())).status).toBe(401);
  });

  it('gives the official openai client its baseURL and key', async () => {
    g.openai.enqueue(turn(say('via openai'), finish('stop')));
    const openai = new OpenAI(client.openAIOptions());
    const answer = await openai.chat.completions.create(ask);
    expect(answer.choices[0]?.message.content).toBe('via openai');
    expect(client.openAIOptions().baseURL).toBe(`${g.url}/v1`);
  });
});

describe('uploadDocument', { timeout: 30_000 }, () => {
  it('streams the file with progress, then the document is ingested', async () => {
    const admin = new ModelGardenClient({ baseUrl: g.url, apiKey: ADMIN_KEY });
    await admin.createCollection({ name: 'sdk-docs' });
    const text = `# Parking\n\n${'Permits are renewed at the front desk every spring.\n\n'.repeat(4000)}\n`;
    const progress: UploadProgress[] = [];
    const uploaded = await admin.uploadDocument('sdk-docs', new TextEncoder().encode(text), {
      filename: 'parking.md',
      onProgress: (step) => progress.push(step),
    });
    expect(uploaded).toMatchObject({ status: 'processing', duplicate: false });
    const total = new TextEncoder().encode(text).byteLength;
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({ loaded: total, total });
    let document = await admin.getDocument('sdk-docs', uploaded.id);
    for (let i = 0; i < 200 && document.status === 'processing'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      document = await admin.getDocument('sdk-docs', uploaded.id);
    }
    expect(document).toMatchObject({ name: 'parking.md', status: 'ready', bytes: total });
    const { results } = await admin.searchCollection('sdk-docs', 'where do I renew my permit', 1);
    expect(results[0]?.text).toContain('front desk');
  });
});

describe('chat with a collection', { timeout: 30_000 }, () => {
  it("types the completion's citations and the stream's citations chunk", async () => {
    const admin = new ModelGardenClient({ baseUrl: g.url, apiKey: ADMIN_KEY });
    await admin.createCollection({ name: 'sdk-chat' });
    const text = '# Library\n\nThe library opens at eight and closes at midnight.\n';
    const uploaded = await admin.uploadDocument('sdk-chat', new TextEncoder().encode(text), {
      filename: 'library.md',
    });
    for (let i = 0; i < 200; i++) {
      if ((await admin.getDocument('sdk-chat', uploaded.id)).status !== 'processing') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const reader = new ModelGardenClient({
      baseUrl: g.url,
      apiKey: (await g.key(['chat', 'models:read'])).key,
    });
    const request = {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'When does the library open?' }],
      modelgarden: { collections: ['sdk-chat'], k: 2 },
    };
    g.openai.enqueue(turn(say('At eight [1].'), finish('stop')));
    const answer = await reader.chatCompletion(request);
    const citation = answer.modelgarden?.citations?.[0];
    expect(citation).toMatchObject({ marker: 1, collection: 'sdk-chat', documentName: 'library.md' });
    expect(citation?.text).toContain('opens at eight');

    g.openai.enqueue(turn(say('At eight [1].'), finish('stop')));
    const events = sseEvents(await readAll(await reader.chatCompletionStream(request)));
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as ChatCompletionChunk);
    const first = chunks[0]?.modelgarden;
    expect(first?.type).toBe('citations');
    if (first?.type === 'citations') expect(first.citations).toEqual(answer.modelgarden?.citations);
  });
});
