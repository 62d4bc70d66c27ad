/**
 * Chat with a collection: `/v1/chat/completions` with `"modelgarden": {"collections", "k"}` over real
 * HTTP, in front of the fake OpenAI upstream, retrieving from real collections ingested in the test
 * — the passages and their markers in the system message the upstream received, the citations in
 * the completion and in the stream's citations chunk (also read by the official `openai` client),
 * together with Model Garden tools, a team-private collection of another team answering exactly as
 * a missing one with nothing of it in any prompt, bad input, and nothing found. On PGlite and, with
 * TEST_DATABASE_URL, on a PostgreSQL server.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { finish, say, toolCall, turn } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, sseEvents, startGateway } from '../../test-support/llm-gateway.js';
import { serverDatabases } from '../../test-support/server-databases.js';
import { multipart } from '../../test-support/test-server.js';
import { apiCall, pushIris, SETOSA, twoTeams } from '../../test-support/tool-models.js';

const GUIDE = `# Campus guide

## Parking permits

Parking permits are renewed online every September through the facilities portal.
A renewed permit costs forty euros and is valid for one academic year.

## Library cards

A library card is issued at the front desk of the main library on showing a student ID.
Lost cards are replaced for five euros.
`;

const LIBRARY = `# Library

## Opening hours

The main library opens at eight in the morning and closes at midnight on weekdays.

## Parking at the library

The library has no parking of its own; use the permit car park behind the sports hall.
`;

const SECRET = `# Red team plans

## Launch

The codename of the launch is BLUEHERON and it happens on the ninth of March.
`;

type Sent = {
  messages: Array<{ role: string; content: unknown }>;
  tools?: Array<{ function: { name: string } }>;
};
type Citation = {
  marker: number;
  collection: string;
  documentId: string;
  documentName: string;
  chunkIndex: number;
  heading?: string;
  text: string;
  score: number;
};

describe.each(serverDatabases)('chat with a collection on $name', (database) => {
  let g: GatewayFixture;
  let drop: () => Promise<void>;
  let keys: Record<string, string> = {};

  const sentSince = (n: number) =>
    g.openai
      .requestsTo('chat')
      .slice(n)
      .map((r) => r.body as Sent);
  const systemText = (sent: Sent) =>
    sent.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content as string)
      .join('\n');
  const ask = (question: string, modelgarden: unknown, extra: Record<string, unknown> = {}) => ({
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: question }],
    modelgarden,
    ...extra,
  });
  const chat = async (body: unknown, key = keys.bob!) => {
    const res = await g.post('/v1/chat/completions', body, key);
    // biome-ignore lint/suspicious/noExplicitAny: answers are read loosely
    return { status: res.status, body: (await res.json()) as any };
  };

  async function collectionWith(key: string, name: string, visibility: string, file: string, text: string) {
    await apiCall(g.url, 'POST', '/api/collections', key, { name, visibility });
    const form = multipart([{ name: 'file', filename: file, data: text }]);
    const { id } = (await apiCall(
      g.url,
      'POST',
      `/api/collections/${name}/documents`,
      key,
      form.payload,
      form.headers,
    )) as { id: string };
    await vi.waitFor(
      async () => {
        const doc = (await apiCall(g.url, 'GET', `/api/collections/${name}/documents/${id}`, key)) as {
          status: string;
        };
        expect(doc.status).toBe('ready');
      },
      { timeout: 60_000, interval: 100 },
    );
    return id;
  }

  let guideId: string;
  beforeAll(async () => {
    const opened = await database.open();
    drop = opened.close;
    g = await startGateway({ env: opened.env });
    keys = await twoTeams(g.url, ADMIN_KEY, ['chat', 'predict', 'models:write']);
    guideId = await collectionWith(keys.alice!, 'campus', 'public', 'guide.md', GUIDE);
    await collectionWith(keys.alice!, 'red-plans', 'team', 'plans.md', SECRET);
    await collectionWith(keys.bob!, 'library', 'public', 'library.md', LIBRARY);
    await pushIris(g.url, 'iris', ADMIN_KEY, 'public');
  }, 180_000);
  afterAll(async () => {
    await g?.close();
    await drop?.();
  });

  it('hands the passages to the LLM with numbered markers and returns them as citations', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('Online, every September [1].'), finish('stop')));
    const res = await chat(
      ask(
        'How do I renew my parking permit?',
        { collections: ['campus'], k: 2 },
        {
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Where is the library?' },
            { role: 'assistant', content: 'On the main square.' },
            { role: 'user', content: 'How do I renew my parking permit?' },
          ],
        },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe('Online, every September [1].');
    const citations = res.body.modelgarden.citations as Citation[];
    expect(res.body.modelgarden).toMatchObject({ steps: 1, tool_calls: [] });
    expect(citations.length).toBeGreaterThanOrEqual(1);
    expect(citations.length).toBeLessThanOrEqual(2);
    expect(citations.map((c) => c.marker)).toEqual(citations.map((_, i) => i + 1));
    expect(citations[0]).toMatchObject({
      marker: 1,
      collection: 'campus',
      documentId: guideId,
      documentName: 'guide.md',
      chunkIndex: expect.any(Number),
      score: expect.any(Number),
    });
    expect(citations[0]!.text).toContain('renewed online every September');

    // The upstream got the passages, numbered, after the caller's system prompt, with the instruction.
    const [sent] = sentSince(before);
    expect(sent!.messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'assistant', 'user']);
    expect(sent!.messages[0]!.content).toBe('Be brief.');
    const context = sent!.messages[1]!.content as string;
    // One passage per citation, in order, each opening with its marker; no other markers.
    expect([...context.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1]))).toEqual(
      citations.map((c) => c.marker),
    );
    expect(new Set(context.match(/\[\d+\]/g))).toEqual(new Set(citations.map((c) => `[${c.marker}]`)));
    expect(context).toContain(citations[0]!.text);
    expect(context).toMatch(/cite each passage you use with its marker/i);
    expect(context).not.toContain(`[${citations.length + 1}]`);
    // The query was the last user message: the passage about permits came first, not the library.
    expect(context.indexOf('Parking permits')).toBeLessThan(
      context.includes('Library cards') ? context.indexOf('Library cards') : Number.POSITIVE_INFINITY,
    );
  });

  it('searches several collections and keeps the k best passages of them all, best first', async () => {
    const before = g.openai.requestsTo('chat').length;
    const question = 'When does the library open, and where do I park near the library?';
    g.openai.enqueue(turn(say('At eight [1].'), finish('stop')));
    const both = await chat(ask(question, { collections: ['campus', 'library', 'campus'], k: 3 }));
    expect(both.status).toBe(200);
    const citations = both.body.modelgarden.citations as Citation[];
    expect(citations).toHaveLength(3);
    expect(citations.map((c) => c.marker)).toEqual([1, 2, 3]);
    expect(new Set(citations.map((c) => c.collection))).toEqual(new Set(['campus', 'library']));
    const scores = citations.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Each collection alone ranks the same passages the same way.
    const alone = async (collection: string) =>
      (
        (await apiCall(g.url, 'POST', `/api/collections/${collection}/search`, keys.bob!, {
          query: question,
          k: 3,
        })) as { results: Array<{ text: string; score: number }> }
      ).results;
    const pooled = [...(await alone('campus')), ...(await alone('library'))].sort(
      (a, b) => b.score - a.score,
    );
    expect(citations.map((c) => c.text)).toEqual(pooled.slice(0, 3).map((r) => r.text));
    expect(systemText(sentSince(before)[0]!)).toMatch(/knowledge bases "campus", "library"/);
  });

  it('streams one citations chunk before the first content delta', async () => {
    g.openai.enqueue(turn(say('Five ', 'euros [1].'), finish('stop')));
    const res = await g.post(
      '/v1/chat/completions',
      ask('What does a lost library card cost?', { collections: ['campus'] }, { stream: true }),
      keys.bob,
    );
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const cited = chunks.filter((c) => c.modelgarden?.type === 'citations');
    expect(cited).toHaveLength(1);
    expect(cited[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [], id: chunks[0].id });
    const citations = cited[0].modelgarden.citations as Citation[];
    expect(citations[0]).toMatchObject({ marker: 1, collection: 'campus', documentName: 'guide.md' });
    expect(citations[0]!.text).toContain('Lost cards are replaced');
    const citedAt = chunks.indexOf(cited[0]);
    const firstText = chunks.findIndex((c) => c.choices[0]?.delta?.content);
    expect(citedAt).toBeGreaterThanOrEqual(0);
    expect(citedAt).toBeLessThan(firstText);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Five euros [1].');
  });

  it('retrieves and runs Model Garden tools in one request', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(
      turn(
        toolCall({ index: 0, id: 'c1', name: 'iris', fragments: [JSON.stringify(SETOSA)] }),
        finish('tool_calls'),
      ),
      turn(say('A setosa; permits are renewed online [1].'), finish('stop')),
    );
    const res = await chat(
      ask('Which iris is 5.1/3.5/1.4/0.2, and how is a parking permit renewed?', {
        tools: ['iris'],
        collections: ['campus'],
        k: 1,
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.modelgarden.steps).toBe(2);
    expect(res.body.modelgarden.tool_calls).toEqual([
      expect.objectContaining({ id: 'c1', model: 'iris', ok: true }),
    ]);
    expect(res.body.modelgarden.citations).toHaveLength(1);
    const sent = sentSince(before);
    expect(sent).toHaveLength(2);
    // Both rounds carry the same passages; the first offered the tool.
    expect(sent[0]!.tools?.map((t) => t.function.name)).toEqual(['iris']);
    for (const s of sent) expect(systemText(s)).toContain(res.body.modelgarden.citations[0].text);
  });

  it("answers another team's private collection exactly as a missing one, sending nothing upstream", async () => {
    const before = g.openai.requestsTo('chat').length;
    const hidden = await chat(ask('What is the launch codename?', { collections: ['red-plans'] }));
    const missing = await chat(ask('What is the launch codename?', { collections: ['no-such-kb'] }));
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toMatchObject({ code: 'collection_not_found', type: 'invalid_request_error' });
    expect(JSON.stringify(hidden.body).replaceAll('red-plans', 'no-such-kb')).toBe(
      JSON.stringify(missing.body),
    );
    const mixed = await chat(
      ask('What is the launch codename?', { collections: ['campus', 'red-plans'] }, { stream: true }),
    );
    expect(mixed.status).toBe(404);
    expect(mixed.body.error.code).toBe('collection_not_found');
    expect(g.openai.requestsTo('chat').length).toBe(before);

    // Its own team sees it.
    g.openai.enqueue(turn(say('BLUEHERON [1].'), finish('stop')));
    const mine = await chat(ask('What is the launch codename?', { collections: ['red-plans'] }), keys.alice);
    expect(mine.status).toBe(200);
    expect(mine.body.modelgarden.citations[0].text).toContain('BLUEHERON');
    expect(sentSince(before).map((s) => JSON.stringify(s))).toHaveLength(1);
    for (const r of g.openai.requestsTo('chat').slice(0, before))
      expect(JSON.stringify(r.body)).not.toContain('BLUEHERON');
  });

  it('says so to the LLM when no passage matches, with no markers and no citations', async () => {
    const before = g.openai.requestsTo('chat').length;
    g.openai.enqueue(turn(say('The knowledge base has nothing on that.'), finish('stop')));
    const res = await chat(ask('xylophone quasar zeppelin', { collections: ['campus'] }));
    expect(res.status).toBe(200);
    expect(res.body.modelgarden.citations).toEqual([]);
    const context = systemText(sentSince(before)[0]!);
    expect(context).toMatch(/No passage of the knowledge base "campus" matches/);
    expect(context).not.toMatch(/\[\d+\]/);

    // A last message of only an image searches nothing, and still checks the collection.
    g.openai.enqueue(turn(say('ok'), finish('stop')));
    const image = [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }];
    const onlyImage = await chat(
      ask('', { collections: ['campus'] }, { messages: [{ role: 'user', content: image }] }),
    );
    expect(onlyImage.status).toBe(200);
    expect(onlyImage.body.modelgarden.citations).toEqual([]);
    const refused = await chat(
      ask('', { collections: ['red-plans'] }, { messages: [{ role: 'user', content: image }] }),
    );
    expect(refused.status).toBe(404);
  });

  it('refuses bad input with a 400 in OpenAI’s shape and a stable code', async () => {
    const before = g.openai.requestsTo('chat').length;
    const nine = Array.from({ length: 9 }, (_, i) => `c${i}`);
    const cases: Array<[unknown, string, string]> = [
      [{ collections: ['campus'], k: 0 }, 'validation_failed', 'modelgarden.k'],
      [{ collections: ['campus'], k: 21 }, 'validation_failed', 'modelgarden.k'],
      [{ collections: ['campus'], k: 2.5 }, 'validation_failed', 'modelgarden.k'],
      [{ collections: [] }, 'validation_failed', 'modelgarden.collections'],
      [{ collections: nine }, 'validation_failed', 'modelgarden.collections'],
      [{ collections: 'campus' }, 'validation_failed', 'modelgarden.collections'],
      [{ collections: [3] }, 'validation_failed', 'modelgarden.collections[0]'],
      [{ collections: ['Not A Name'] }, 'validation_failed', 'modelgarden.collections[0]'],
      [{ collections: ['campus'], top_k: 3 }, 'unsupported_parameter', 'modelgarden.top_k'],
      [{}, 'validation_failed', 'modelgarden'],
      [{ k: 3 }, 'validation_failed', 'modelgarden'],
      [{ collections: ['campus'], max_steps: 3 }, 'validation_failed', 'modelgarden.max_steps'],
    ];
    for (const [modelgarden, code, param] of cases) {
      const res = await chat(ask('How do I renew my parking permit?', modelgarden));
      expect(res.status, JSON.stringify(modelgarden)).toBe(400);
      expect(res.body.error, JSON.stringify(modelgarden)).toMatchObject({
        code,
        param,
        type: 'invalid_request_error',
      });
    }
    expect(g.openai.requestsTo('chat').length).toBe(before);
  });

  it("needs the 'models:read' scope to search, and not 'predict' without tools", async () => {
    const reader = (
      (await apiCall(g.url, 'POST', '/api/keys', ADMIN_KEY, {
        name: 'r',
        scopes: ['chat', 'models:read'],
        user: 'bob',
      })) as { key: string }
    ).key;
    g.openai.enqueue(turn(say('Online [1].'), finish('stop')));
    const read = await chat(ask('How do I renew my parking permit?', { collections: ['campus'] }), reader);
    expect(read.status).toBe(200);
    expect(read.body.modelgarden.citations.length).toBeGreaterThan(0);
    const chatOnly = (
      (await apiCall(g.url, 'POST', '/api/keys', ADMIN_KEY, {
        name: 'c',
        scopes: ['chat'],
        user: 'bob',
      })) as {
        key: string;
      }
    ).key;
    const res = await chat(ask('How do I renew my parking permit?', { collections: ['campus'] }), chatOnly);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('the official openai client reads a streamed answer with its citations chunk', async () => {
    const client = new OpenAI({ apiKey: keys.bob!, baseURL: `${g.url}/v1`, maxRetries: 0 });
    const request = {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'How much does a renewed parking permit cost?' }],
      modelgarden: { collections: ['campus'], k: 1 },
    };
    g.openai.enqueue(turn(say('Forty ', 'euros [1].'), finish('stop')));
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const seen: Array<{ citations?: Citation[]; text?: string }> = [];
    for await (const chunk of stream) {
      const ext = (chunk as unknown as { modelgarden?: { type: string; citations: Citation[] } }).modelgarden;
      if (ext?.type === 'citations') seen.push({ citations: ext.citations });
      const text = chunk.choices[0]?.delta?.content;
      if (text) seen.push({ text });
    }
    expect(seen[0]!.citations![0]).toMatchObject({ marker: 1, collection: 'campus' });
    expect(seen[0]!.citations![0]!.text).toContain('forty euros');
    expect(
      seen
        .slice(1)
        .map((s) => s.text)
        .join(''),
    ).toBe('Forty euros [1].');

    // The streaming helper skips the chunk and accumulates the answer as usual.
    g.openai.enqueue(turn(say('Forty euros [1].'), finish('stop')));
    const final = await client.chat.completions.stream(request).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Forty euros [1].');
    expect(final.choices[0]!.finish_reason).toBe('stop');
  });
});
