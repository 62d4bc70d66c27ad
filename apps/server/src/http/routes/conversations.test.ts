/**
 * `/api/conversations` over real HTTP on PGlite: a user's conversations are theirs alone (another
 * user's answer as missing ones), messages keep their order, content parts, usage and extras (tool
 * calls, citations), the tools and collections offered are kept, titles come from the first
 * question, and bad input is a 4xx with its code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const ADMIN_KEY = 'mg-test-admin-key-conversations-0123456789';
let server: TestServer;
let alice: string;
let bob: string;
let viewer: string;

async function call(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

async function userKey(name: string, role: string, scopes: string[]): Promise<string> {
  const created = await call('POST', '/api/users', ADMIN_KEY, {
    name,
    role,
    password: 'a-long-enough-password-1',
  });
  expect(created.status).toBe(201);
  const key = await call('POST', '/api/keys', ADMIN_KEY, { name: `${name}-key`, scopes, user: name });
  expect(key.status).toBe(201);
  return key.body.key;
}

beforeAll(async () => {
  server = await startTestServer({
    seedDemoModels: false,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, ANONYMOUS_LOOPBACK_WRITES: 'false', RATE_LIMIT_PER_MINUTE: '0' },
  });
  alice = await userKey('alice', 'member', ['chat']);
  bob = await userKey('bob', 'member', ['chat']);
  viewer = await userKey('vera', 'viewer', ['models:read']);
}, 60_000);
afterAll(() => server?.close());

describe('/api/conversations', () => {
  it('creates, appends in order, lists, renames and deletes a conversation', async () => {
    const created = await call('POST', '/api/conversations', alice, {
      model: 'openai/gpt-4o-mini',
      systemPrompt: 'Be brief.',
      temperature: 0.3,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      title: 'New chat',
      model: 'openai/gpt-4o-mini',
      systemPrompt: 'Be brief.',
      temperature: expect.closeTo(0.3, 5),
      messageCount: 0,
    });
    const id = created.body.id as string;

    const image = 'data:image/png;base64,iVBORw0KGgo=';
    const appended = await call('POST', `/api/conversations/${id}/messages`, alice, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?\nAnd why?' },
            { type: 'image_url', image_url: { url: image } },
          ],
        },
        {
          role: 'assistant',
          content: 'A **cat**.',
          model: 'ollama/llava',
          usage: { promptTokens: 20, completionTokens: 3 },
          finishReason: 'stop',
        },
      ],
    });
    expect(appended.status).toBe(201);
    expect(appended.body.conversation).toMatchObject({
      title: 'What is in this picture?',
      model: 'ollama/llava',
      messageCount: 2,
    });
    await call('POST', `/api/conversations/${id}/messages`, alice, {
      messages: [
        { role: 'user', content: 'Tell me more' },
        { role: 'assistant', content: 'It sits', finishReason: 'stopped' },
      ],
    });

    const read = await call('GET', `/api/conversations/${id}`, alice);
    expect(read.status).toBe(200);
    expect(read.body.title).toBe('What is in this picture?');
    expect(read.body.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(read.body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: image } });
    expect(read.body.messages[1]).toMatchObject({
      content: 'A **cat**.',
      model: 'ollama/llava',
      usage: { promptTokens: 20, completionTokens: 3 },
      finishReason: 'stop',
    });
    expect(read.body.messages[3]).toMatchObject({ content: 'It sits', usage: null, finishReason: 'stopped' });

    const renamed = await call('PATCH', `/api/conversations/${id}`, alice, {
      title: 'Cats',
      temperature: null,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ title: 'Cats', temperature: null, messageCount: 4 });
    // A later first-question title does not overwrite a name the user gave.
    await call('POST', `/api/conversations/${id}/messages`, alice, {
      messages: [{ role: 'user', content: 'Other' }],
    });

    const second = await call('POST', '/api/conversations', alice, { title: 'Second' });
    const list = await call('GET', '/api/conversations', alice);
    expect(list.body.conversations.map((c: { title: string }) => c.title)).toEqual(['Second', 'Cats']);
    expect(list.body.conversations[1].messageCount).toBe(5);

    expect((await call('DELETE', `/api/conversations/${id}`, alice)).status).toBe(204);
    const gone = await call('GET', `/api/conversations/${id}`, alice);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('CONVERSATION_NOT_FOUND');
    const after = await call('GET', '/api/conversations', alice);
    expect(after.body.conversations.map((c: { id: string }) => c.id)).toEqual([second.body.id]);
  });

  it("keeps the tools and collections offered, and each answer's tool calls and citations", async () => {
    const created = await call('POST', '/api/conversations', alice, {
      tools: ['iris', 'resnet.v1'],
      collections: ['docs'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tools: ['iris', 'resnet.v1'], collections: ['docs'] });
    const id = created.body.id as string;
    const plain = await call('POST', '/api/conversations', alice, {});
    expect(plain.body).toMatchObject({ tools: [], collections: [] });

    const citation = {
      marker: 1,
      collection: 'docs',
      documentId: '3f1c2a4e-1111-4222-8333-444455556666',
      documentName: 'llm.md',
      chunkIndex: 2,
      heading: 'llm.md › Aliases',
      text: 'An alias names deployments and fallbacks.',
      score: 0.42,
    };
    const toolCalls = [
      {
        id: 'call_1',
        name: 'iris',
        model: 'iris',
        arguments: '{"sepal_length":5.1}',
        result: { label: 'setosa', probability: 0.98 },
      },
      {
        id: 'call_2',
        name: 'nope',
        model: null,
        arguments: '{}',
        error: { code: 'TOOL_NOT_FOUND', message: 'No tool nope' },
      },
    ];
    const appended = await call('POST', `/api/conversations/${id}/messages`, alice, {
      messages: [
        { role: 'user', content: 'What is an alias?' },
        {
          role: 'assistant',
          content: 'It names deployments [1].',
          model: 'openai/gpt-4o-mini',
          finishReason: 'stop',
          extras: { toolCalls, citations: [citation] },
        },
      ],
    });
    expect(appended.status).toBe(201);
    expect(appended.body.messages.map((m: { extras: unknown }) => m.extras)).toEqual([
      null,
      { toolCalls, citations: [citation] },
    ]);

    const changed = await call('PATCH', `/api/conversations/${id}`, alice, {
      tools: [],
      collections: ['handbook'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ tools: [], collections: ['handbook'] });

    // A reload shows it all again.
    const read = await call('GET', `/api/conversations/${id}`, alice);
    expect(read.body).toMatchObject({ tools: [], collections: ['handbook'] });
    expect(read.body.messages[1].extras).toEqual({ toolCalls, citations: [citation] });
    const listed = await call('GET', '/api/conversations', alice);
    expect(listed.body.conversations.find((c: { id: string }) => c.id === id)).toMatchObject({
      collections: ['handbook'],
    });

    const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
    const bad: Array<[string, string, unknown]> = [
      ['POST', '/api/conversations', { tools: names(17) }],
      ['POST', '/api/conversations', { collections: names(17) }],
      // More than one chat request may retrieve from (MAX_CHAT_COLLECTIONS).
      ['POST', '/api/conversations', { collections: names(9) }],
      ['PATCH', `/api/conversations/${id}`, { collections: names(9) }],
      ['POST', '/api/conversations', { tools: ['Not A Name'] }],
      ['POST', '/api/conversations', { collections: ['../etc'] }],
      ['POST', '/api/conversations', { collections: ['docs', 'docs'] }],
      ['PATCH', `/api/conversations/${id}`, { tools: 'iris' }],
      ['PATCH', `/api/conversations/${id}`, { collections: null }],
      [
        'POST',
        `/api/conversations/${id}/messages`,
        { messages: [{ role: 'assistant', content: 'x', extras: { sources: [] } }] },
      ],
      [
        'POST',
        `/api/conversations/${id}/messages`,
        {
          messages: [
            { role: 'assistant', content: 'x', extras: { citations: [{ ...citation, marker: 0 }] } },
          ],
        },
      ],
      [
        'POST',
        `/api/conversations/${id}/messages`,
        {
          messages: [{ role: 'assistant', content: 'x', extras: { toolCalls: [{ id: 'c', name: 'iris' }] } }],
        },
      ],
    ];
    for (const [method, path, body] of bad) {
      const res = await call(method, path, alice, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await call('GET', `/api/conversations/${id}`, alice)).body).toMatchObject({
      tools: [],
      collections: ['handbook'],
      messageCount: 2,
    });
    // 16 tools and 8 collections are fine.
    const most = await call('PATCH', `/api/conversations/${id}`, alice, {
      tools: names(16),
      collections: names(8),
    });
    expect(most.status).toBe(200);
  });

  it("shows a user only their own conversations: another user's answer exactly as missing ones", async () => {
    const mine = await call('POST', '/api/conversations', alice, { title: 'Private' });
    const id = mine.body.id as string;
    await call('POST', `/api/conversations/${id}/messages`, alice, {
      messages: [{ role: 'user', content: 'secret' }],
    });
    const missing = '00000000-0000-4000-8000-000000000000';

    const bobs = await call('GET', '/api/conversations', bob);
    expect(bobs.status).toBe(200);
    expect(bobs.body.conversations.map((c: { id: string }) => c.id)).not.toContain(id);

    for (const [method, path, body] of [
      ['GET', `/api/conversations/${id}`, undefined],
      ['PATCH', `/api/conversations/${id}`, { title: 'mine now' }],
      ['POST', `/api/conversations/${id}/messages`, { messages: [{ role: 'user', content: 'hi' }] }],
      ['DELETE', `/api/conversations/${id}`, undefined],
    ] as const) {
      const theirs = await call(method, path, bob, body);
      const none = await call(method, path.replace(id, missing), bob, body);
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(theirs.body.error.code).toBe('CONVERSATION_NOT_FOUND');
      expect(none.status).toBe(404);
      expect(JSON.stringify(theirs.body).replaceAll(id, missing)).toBe(JSON.stringify(none.body));
    }
    // Nothing bob tried changed it.
    const still = await call('GET', `/api/conversations/${id}`, alice);
    expect(still.body).toMatchObject({ title: 'Private', messageCount: 1 });
  });

  it('refuses callers without the chat scope, anonymous callers and the bootstrap key', async () => {
    const noScope = await call('GET', '/api/conversations', viewer);
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.code).toBe('FORBIDDEN');
    const anonymous = await fetch(`${server.url}/api/conversations`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const bootstrap = await call('GET', '/api/conversations', ADMIN_KEY);
    expect(bootstrap.status).toBe(400);
    expect(bootstrap.body.error.code).toBe('BAD_REQUEST');
  });

  it('answers bad input with a 400 and its code', async () => {
    const { body: conv } = await call('POST', '/api/conversations', alice, {});
    const bad: Array<[string, string, unknown]> = [
      ['GET', '/api/conversations/not-a-uuid', undefined],
      ['POST', '/api/conversations', { temperature: 3 }],
      ['POST', '/api/conversations', { title: '   ' }],
      ['POST', '/api/conversations', { colour: 'blue' }],
      ['PATCH', `/api/conversations/${conv.id}`, {}],
      ['POST', `/api/conversations/${conv.id}/messages`, { messages: [] }],
      ['POST', `/api/conversations/${conv.id}/messages`, { messages: [{ role: 'system', content: 'x' }] }],
      [
        'POST',
        `/api/conversations/${conv.id}/messages`,
        { messages: [{ role: 'user', content: [{ type: 'audio', data: 'x' }] }] },
      ],
      [
        'POST',
        `/api/conversations/${conv.id}/messages`,
        { messages: [{ role: 'assistant', content: 'x', usage: { promptTokens: -1, completionTokens: 0 } }] },
      ],
    ];
    for (const [method, path, body] of bad) {
      const res = await call(method, path, alice, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const malformed = await call('POST', '/api/conversations', alice, '{"title":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
  });
});
