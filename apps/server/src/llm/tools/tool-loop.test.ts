/**
 * The server-side tool loop over real HTTP, in front of a fake OpenAI upstream that calls the tools:
 * the right arguments reach the model (a real iris through onnxruntime), errors are fed back, the
 * step limit, streaming of the tool events, client-side tools untouched, team-private models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionChunkSchema, chatCompletionSchema } from '../../contract/openai-schemas.js';
import { finish, say, toolCall, turn } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, sseEvents, startGateway } from '../../test-support/llm-gateway.js';
import { pushIris, SETOSA, twoTeams } from '../../test-support/tool-models.js';

let g: GatewayFixture;
let keys: Record<string, string> = {};

beforeAll(async () => {
  g = await startGateway();
  keys = await twoTeams(g.url, ADMIN_KEY, ['chat', 'predict', 'models:write']);
  await pushIris(g.url, 'iris', ADMIN_KEY, 'public');
  await pushIris(g.url, 'secret', keys.alice!, 'team');
}, 120_000);
afterAll(async () => {
  await g?.close();
});

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: 'Which species is 5.1/3.5/1.4/0.2?' }],
  ...extra,
});

type Upstream = {
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string; parameters: unknown } }>;
  tool_choice?: unknown;
};
const upstreamSince = (n: number) =>
  g.openai
    .requestsTo('chat')
    .slice(n)
    .map((r) => r.body as Upstream);

describe('the gateway runs Model Garden tools', () => {
  it('offers the model with its schema, runs the call with the LLM’s arguments, feeds the result back', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      ),
      turn(say('It is a setosa.'), finish('stop')),
    );
    const res = await g.post('/v1/chat/completions', ask({ modelgarden: { tools: ['iris'] } }), keys.bob);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string } }>;
      modelgarden: { steps: number; tool_calls: Array<Record<string, unknown>> };
    };
    expect(body.choices[0]!.message.content).toBe('It is a setosa.');
    expect(body.modelgarden.steps).toBe(2);
    expect(body.modelgarden.tool_calls).toEqual([
      expect.objectContaining({ id: 'c1', name: 'iris', model: 'iris', ok: true, version: 1 }),
    ]);
    expect(body.modelgarden.tool_calls[0]!.result).toMatchObject({ label: 'setosa' });
    // What is answered is what the OpenAPI document describes (the schemas are not run on the way out).
    expect(chatCompletionSchema.parse(body).modelgarden?.tool_calls).toHaveLength(1);
    const [first, second] = upstreamSince(before);
    expect(first!.tools?.map((t) => t.function.name)).toEqual(['iris']);
    expect(first!.tools![0]!.function.parameters).toMatchObject({ required: Object.keys(SETOSA) });
    const toolMessage = second!.messages.find((m) => m.role === 'tool')!;
    expect(toolMessage.tool_call_id).toBe('c1');
    const result = JSON.parse(toolMessage.content as string);
    expect(result).toMatchObject({ model: 'iris', version: 1, label: 'setosa' });
    expect(result.probabilities).toHaveLength(3);
  });

  it('feeds bad arguments and unknown tools back as errors the LLM can read', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: ['{"sepal_length": "big"}'] }),
        toolCall({ index: 1, id: 'c2', name: 'no_such_tool', fragments: ['{}'] }),
        toolCall({ index: 2, id: 'c3', name: 'iris', fragments: ['{not json'] }),
        finish('tool_calls'),
      ),
      turn(say('Sorry.'), finish('stop')),
    );
    const res = await g.post('/v1/chat/completions', ask({ modelgarden: { tools: 'all' } }), keys.bob);
    expect(res.status).toBe(200);
    const tools = upstreamSince(before)[1]!.messages.filter((m) => m.role === 'tool');
    const errors = tools.map((m) => JSON.parse(m.content as string).error.code);
    expect(errors).toEqual(['INVALID_INPUT', 'TOOL_NOT_FOUND', 'INVALID_INPUT']);
    const reports = chatCompletionSchema.parse(await res.json()).modelgarden!.tool_calls;
    expect(reports.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(errors);
    expect(reports.map((r) => r.model)).toEqual(['iris', null, 'iris']);
  });

  it('stops at the step limit: the last call forbids tools', async () => {
    const before = g.openai.requestsTo('chat').length;
    const again = (id: string) =>
      turn(
        toolCall({ index: 0, id, name: 'iris', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      );
    g.openai.enqueue(again('a'), again('b'), turn(say('done'), finish('stop')));
    const res = await g.post(
      '/v1/chat/completions',
      ask({ modelgarden: { tools: ['iris'], max_steps: 2 } }),
      keys.bob,
    );
    expect(res.status).toBe(200);
    const sent = upstreamSince(before);
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => r.tool_choice ?? null)).toEqual([null, null, 'none']);
    expect(((await res.json()) as { modelgarden: { steps: number } }).modelgarden.steps).toBe(3);
  });

  it('streams the calls as OpenAI deltas and each call and result as an extension chunk', async () => {
    g.openai.enqueue(
      turn(
        toolCall({
          index: 0,
          id: 'c1',
          name: 'iris',
          fragments: ['{"sepal_length":5.1,', '"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}'],
        }),
        finish('tool_calls'),
      ),
      turn(say('Set', 'osa.'), finish('stop')),
    );
    const res = await g.post(
      '/v1/chat/completions',
      ask({ stream: true, modelgarden: { tools: ['iris'] } }),
      keys.bob,
    );
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const ext = chunks.filter((c) => c.modelgarden).map((c) => c.modelgarden);
    expect(ext.map((e) => e.type)).toEqual(['tool_call', 'tool_result']);
    for (const c of chunks) chatCompletionChunkSchema.parse(c);
    expect(ext[0]).toMatchObject({ id: 'c1', name: 'iris', model: 'iris' });
    expect(ext[1]).toMatchObject({ id: 'c1', ok: true, result: { label: 'setosa' } });
    for (const c of chunks.filter((c) => c.modelgarden)) expect(c.choices).toEqual([]);
    const deltas = chunks.flatMap((c) => c.choices.map((ch: { delta: Record<string, unknown> }) => ch.delta));
    expect(deltas.flatMap((d) => d.tool_calls ?? []).find((t: { id?: string }) => t.id)).toMatchObject({
      index: 0,
      id: 'c1',
      function: { name: 'iris' },
    });
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Setosa.');
    const finishes = chunks.flatMap((c) =>
      c.choices.filter((ch: { finish_reason: unknown }) => ch.finish_reason !== null),
    );
    expect(finishes.map((f: { finish_reason: string }) => f.finish_reason)).toEqual(['stop']);
    // The tool result came before the second call's text.
    const resultAt = chunks.findIndex((c) => c.modelgarden?.type === 'tool_result');
    const textAt = chunks.findIndex((c) => c.choices[0]?.delta?.content === 'Set');
    expect(resultAt).toBeLessThan(textAt);
  });

  it('passes a client-side tool call through untouched', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'w1', name: 'weather', fragments: ['{"city":"Oslo"}'] }),
        finish('tool_calls'),
      ),
    );
    const weather = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
    const res = await g.post(
      '/v1/chat/completions',
      ask({ tools: [weather], modelgarden: { tools: ['iris'] } }),
      keys.bob,
    );
    const body = (await res.json()) as {
      choices: Array<{ finish_reason: string; message: { tool_calls: unknown[] } }>;
      modelgarden: { tool_calls: unknown[] };
    };
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.choices[0]!.message.tool_calls).toEqual([
      { id: 'w1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
    ]);
    expect(body.modelgarden.tool_calls).toEqual([]);
    const sent = upstreamSince(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.tools?.map((t) => t.function.name)).toEqual(['weather', 'iris']);
  });

  it('never offers nor runs a team-private model for someone outside the team', async () => {
    const refused = await g.post(
      '/v1/chat/completions',
      ask({ modelgarden: { tools: ['secret'] } }),
      keys.bob,
    );
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('model_not_found');

    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 's1', name: 'secret', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      ),
      turn(say('no'), finish('stop')),
    );
    const res = await g.post('/v1/chat/completions', ask({ modelgarden: { tools: 'all' } }), keys.bob);
    expect(res.status).toBe(200);
    const sent = upstreamSince(before);
    expect(sent[0]!.tools?.map((t) => t.function.name)).toEqual(['iris']);
    const fed = JSON.parse(sent[1]!.messages.find((m) => m.role === 'tool')!.content as string);
    expect(fed.error.code).toBe('TOOL_NOT_FOUND');

    g.openai.enqueue(turn(say('hi'), finish('stop')));
    const mine = g.openai.requestsTo('chat').length;
    await g.post('/v1/chat/completions', ask({ modelgarden: { tools: 'all' } }), keys.alice);
    expect(upstreamSince(mine)[0]!.tools?.map((t) => t.function.name)).toEqual(['iris', 'secret']);
  });

  it('needs the predict scope', async () => {
    const { key } = await g.key(['chat']);
    const res = await g.post('/v1/chat/completions', ask({ modelgarden: { tools: 'all' } }), key);
    expect(res.status).toBe(403);
  });
});
