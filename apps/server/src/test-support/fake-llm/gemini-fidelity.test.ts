/**
 * The Gemini fake checked against the official `@google/genai` client: it must find the fake at the
 * paths and with the headers it uses, read its SSE chunks, and see text, function calls, finish
 * reasons, usage and errors where a real Gemini answer puts them.
 */
import { ApiError, FinishReason, GoogleGenAI } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeLlm } from './index.js';
import { finish, interleaved, say, startFakeGemini, turn, usage } from './index.js';

const fakes: FakeLlm[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function client() {
  const fake = await startFakeGemini({ apiKey: 'AIza-test' });
  fakes.push(fake);
  return { fake, ai: new GoogleGenAI({ apiKey: 'AIza-test', httpOptions: { baseUrl: fake.url } }) };
}

describe('the Gemini fake, read by the official SDK', () => {
  it('streams text chunks, parallel function calls, the finish reason and usage', async () => {
    const { fake, ai } = await client();
    fake.enqueue(
      turn(
        say('Checking ', 'both.'),
        interleaved(
          { index: 0, id: 'a', name: 'get_weather', fragments: ['{"city":"Oslo"}'] },
          { index: 1, id: 'b', name: 'get_time', fragments: ['{"zone":"CET"}'] },
        ),
        finish('tool_calls'),
        usage(14, 6),
      ),
    );
    let text = '';
    const calls: Array<{ name?: string; args?: unknown }> = [];
    let last: { finishReason?: string; usage?: unknown } = {};
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-test',
      contents: 'hi',
    })) {
      text += chunk.text ?? '';
      for (const call of chunk.functionCalls ?? []) calls.push({ name: call.name, args: call.args });
      last = { finishReason: chunk.candidates?.[0]?.finishReason, usage: chunk.usageMetadata };
    }
    expect(text).toBe('Checking both.');
    expect(calls).toEqual([
      { name: 'get_weather', args: { city: 'Oslo' } },
      { name: 'get_time', args: { zone: 'CET' } },
    ]);
    expect(last.finishReason).toBe(FinishReason.STOP);
    expect(last.usage).toMatchObject({ promptTokenCount: 14, candidatesTokenCount: 6, totalTokenCount: 20 });
    expect(fake.requestsTo('chat')[0]?.query.alt).toBe('sse');
  });

  it('a non-streaming answer, embeddings and models through the SDK', async () => {
    const { fake, ai } = await client();
    fake.enqueue(turn(say('Hello'), finish('length'), usage(2, 1)));
    const answer = await ai.models.generateContent({ model: 'gemini-test', contents: 'hi' });
    expect(answer.text).toBe('Hello');
    expect(answer.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    const embedded = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['a', 'bb'] });
    expect(embedded.embeddings?.map((e) => e.values?.length)).toEqual([4, 4]);
    fake.models = [{ id: 'gemini-2.0-flash', kind: 'chat' }];
    const names: string[] = [];
    for await (const model of await ai.models.list()) names.push(model.name ?? '');
    expect(names).toEqual(['models/gemini-2.0-flash']);
  });

  it("errors are Google's shape: the SDK's ApiError with the status", async () => {
    const { fake, ai } = await client();
    fake.enqueue({ error: { status: 429, message: 'Resource has been exhausted', retryDelaySeconds: 5 } });
    const error = await ai.models
      .generateContent({ model: 'gemini-test', contents: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).message).toContain('RESOURCE_EXHAUSTED');
  });
});
