// Browser tests of /chat with Model Garden's extensions, against a fake OpenAI upstream that calls the
// tools: a registered model (the seeded iris) picked as a tool is run by the gateway, the call and its
// result show while the answer streams (the model linked to its page) and again after a reload; a bad
// call shows its error; a chat with the seeded docs collection shows a citation that opens its passage.

import { expect, it } from 'vitest';
import { finish, paced, say, toolCall, turn } from '../../server/src/test-support/fake-llm/index.js';
import {
  conversationsOf,
  fakeOpenAI,
  openChat,
  pick,
  sendMessage,
  startChatUpstream,
} from './chat-support.js';
import { callServer, describeInBrowser, type TestServer } from './support.js';

/** A note whose text holds markup that must never become elements when its passage is shown. */
const HOSTILE_NOTE = `# Orchid care

Mist the orchids twice a week. <img src="x" onerror="window.__pwned = true"> <b>never</b> soak them.
<script>window.__pwned = true</script>
`;

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

const upstream = startChatUpstream({ ingestDocs: true });

type UpstreamBody = {
  tools?: Array<{ function: { name: string } }>;
  messages: Array<{ role: string; content: unknown }>;
};

describeInBrowser('chat page with tools and collections', upstream.suiteOptions, (suite) => {
  it('runs iris as a tool: the call, its arguments and result show as the answer streams and after a reload', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    const before = fake.requestsTo('chat').length;
    fake.enqueue(
      turn(
        toolCall({
          index: 0,
          id: 'call_1',
          name: 'iris',
          fragments: ['{"sepal_length":5.1,', '"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}'],
        }),
        finish('tool_calls'),
      ),
      // The answer after the tool waits, so the call is seen while the answer is still streaming.
      turn(paced(['It is ', 'a setosa.'], { firstMs: 1500, everyMs: 1500 }), finish('stop')),
    );
    await openChat(page, server);
    await pick(page, 'tool-picker', 'iris');
    await sendMessage(page, 'Which iris is 5.1, 3.5, 1.4, 0.2?');

    const streaming = page.getByTestId('message-streaming');
    const live = streaming.getByTestId('tool-call');
    await live.getByTestId('tool-call-result').waitFor();
    expect(await streaming.count()).toBe(1);
    expect(await live.getByTestId('tool-call-model').textContent()).toBe('iris');
    expect(await live.getByTestId('tool-call-model').getAttribute('href')).toBe('/models/iris');
    expect(JSON.parse((await live.getByTestId('tool-call-arguments').textContent()) ?? '')).toEqual(SETOSA);
    expect(await live.getByTestId('tool-call-result').textContent()).toContain('setosa');

    const answer = page.getByTestId('message-assistant').last();
    await answer.getByText('It is a setosa.').waitFor();
    const [first, second] = fake
      .requestsTo('chat')
      .slice(before)
      .map((r) => r.body as UpstreamBody);
    expect(first?.tools?.map((t) => t.function.name)).toEqual(['iris']);
    const toolMessage = second?.messages.find((m) => m.role === 'tool');
    expect(JSON.parse(String(toolMessage?.content))).toMatchObject({ model: 'iris', label: 'setosa' });

    await page.getByRole('button', { name: 'Send' }).waitFor();
    const id = new URL(page.url()).searchParams.get('c')!;
    const stored = await conversationsOf(page, id);
    expect(stored.tools).toEqual(['iris']);
    expect(stored.messages[1]?.extras?.toolCalls).toEqual([
      expect.objectContaining({
        id: 'call_1',
        name: 'iris',
        model: 'iris',
        result: expect.objectContaining({ label: 'setosa' }),
      }),
    ]);

    await page.reload();
    const kept = page.getByTestId('message-assistant').getByTestId('tool-call');
    await kept.getByTestId('tool-call-result').waitFor();
    expect(await kept.getByTestId('tool-call-result').textContent()).toContain('setosa');
    expect(await page.getByTestId('tool-picker').locator('summary').textContent()).toContain('iris');
    await kept.getByTestId('tool-call-model').click();
    await page.waitForURL(`${server.url}/models/iris`);
  });

  it('shows the error a call with bad arguments got back', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    fake.enqueue(
      turn(
        toolCall({ index: 0, id: 'call_bad', name: 'iris', fragments: ['{"sepal_length": "big"}'] }),
        finish('tool_calls'),
      ),
      turn(say('I could not run it.'), finish('stop')),
    );
    await openChat(page, server);
    await pick(page, 'tool-picker', 'iris');
    await sendMessage(page, 'Classify a big iris');
    const answer = page.getByTestId('message-assistant').last();
    await answer.getByText('I could not run it.').waitFor();
    const error = answer.getByTestId('tool-call-error');
    expect(await error.textContent()).toContain('INVALID_INPUT');
    expect(await answer.getByTestId('tool-call-result').count()).toBe(0);
  });

  it('answers from the docs collection with a citation that opens its passage', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    const before = fake.requestsTo('chat').length;
    fake.enqueue(turn(say('Point its baseURL at the gateway [1].'), finish('stop')));
    await openChat(page, server);
    await pick(page, 'collection-picker', 'docs');
    await sendMessage(page, 'How do I point the official openai client at Model Garden?');
    const answer = page.getByTestId('message-assistant').last();
    const marker = answer.locator('a[data-citation="1"]');
    await marker.waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();

    // The passage the LLM was given as [1] is the one the marker opens.
    const sent = fake.requestsTo('chat')[before]?.body as UpstreamBody;
    const context = String(sent.messages.find((m) => m.role === 'system')?.content);
    const id = new URL(page.url()).searchParams.get('c')!;
    const stored = await conversationsOf(page, id);
    expect(stored.collections).toEqual(['docs']);
    const citation = stored.messages[1]?.extras?.citations?.[0];
    expect(citation).toMatchObject({ marker: 1, collection: 'docs' });
    expect(context).toContain(`[1] `);
    expect(context).toContain(citation!.text);
    // Hovering the marker names the document and starts the passage.
    const hover = (await marker.getAttribute('title')) ?? '';
    expect(hover.startsWith(`${citation!.documentName}: `)).toBe(true);
    expect(citation!.text.replace(/\s+/g, ' ')).toContain(hover.slice(citation!.documentName.length + 2, 80));

    await marker.click();
    const passage = answer.getByTestId('citation-passage');
    await passage.waitFor();
    expect(await passage.getByTestId('citation-document').textContent()).toBe(citation!.documentName);
    expect(await passage.locator('blockquote').textContent()).toBe(citation!.text);
    expect(page.url()).toContain(`c=${id}`);

    await page.reload();
    const again = page.getByTestId('message-assistant').last();
    await again.locator('a[data-citation="1"]').click();
    expect(await again.getByTestId('citation-passage').locator('blockquote').textContent()).toBe(
      citation!.text,
    );
  });

  it('shows a passage holding markup as text: no element, no handler runs', async () => {
    const { page, server } = suite;
    const created = await callServer(server, '/api/collections', {
      method: 'POST',
      admin: true,
      body: { name: 'orchids', visibility: 'public' },
    });
    expect(created.status).toBe(201);
    const form = new FormData();
    form.append('file', new Blob([HOSTILE_NOTE], { type: 'text/markdown' }), 'orchid-care.md');
    const uploaded = await callServer<{ id: string }>(server, '/api/collections/orchids/documents', {
      method: 'POST',
      admin: true,
      body: form,
    });
    expect([201, 202]).toContain(uploaded.status);
    await documentReady(server, 'orchids', uploaded.body.id);

    const fake = fakeOpenAI(upstream);
    fake.enqueue(turn(say('Mist the orchids twice a week [1].'), finish('stop')));
    await openChat(page, server);
    await pick(page, 'collection-picker', 'orchids');
    await sendMessage(page, 'How often should I mist my orchids?');
    const answer = page.getByTestId('message-assistant').last();
    await answer.getByText('Mist the orchids twice a week').waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    // The passage was retrieved (else the answer's [1] stays text): said plainly if it was not.
    const stored = await conversationsOf(page, new URL(page.url()).searchParams.get('c')!);
    expect(stored.messages.at(-1)?.extras?.citations?.map((c) => c.documentName)).toEqual(['orchid-care.md']);
    await answer.locator('a[data-citation="1"]').click();
    const passage = answer.getByTestId('citation-passage');
    await passage.waitFor();
    expect(await passage.locator('blockquote').textContent()).toContain('<img src="x" onerror=');
    expect(await passage.locator('img, script, b').count()).toBe(0);
    await answer.getByTestId('citation-source').first().hover();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
  });
});

/** Waits until an uploaded document is ingested. */
async function documentReady(server: TestServer, collection: string, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { body } = await callServer<{ status: string; error?: string }>(
      server,
      `/api/collections/${collection}/documents/${id}`,
      { admin: true },
    );
    if (body.status === 'ready') return;
    if (body.status === 'failed') throw new Error(`ingesting ${id} failed: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${id} was not ingested in time`);
}
