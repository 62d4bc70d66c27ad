// Browser tests of /chat against a real server whose OpenAI provider is a fake upstream speaking
// OpenAI's wire format: an answer streams in, Stop keeps the partial answer and stores it, a reload
// (?c=) shows the stored conversation, rename and delete; a model's hostile markdown renders inert and
// code blocks are highlighted. A second suite has no provider at all: the page names the variables.

import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { finish, paced, say, turn, usage } from '../../server/src/test-support/fake-llm/index.js';
import {
  CHAT_USER,
  conversationsOf,
  fakeOpenAI,
  openChat,
  sendMessage,
  startChatUpstream,
  withoutProviders,
} from './chat-support.js';
import {
  adminEnv,
  type BrowserSuiteOptions,
  createUser,
  describeInBrowser,
  modelsDir,
  signIn,
} from './support.js';

const upstream = startChatUpstream();

/**
 * The last answer shows `partial`, is marked as ended by an error, the page says `message`, and the
 * stored conversation keeps the partial answer with finish reason `error`.
 */
async function expectEndedByError(page: Page, partial: string, message: string): Promise<void> {
  const answer = page.getByTestId('message-assistant').last();
  await answer.getByText(partial).waitFor();
  expect(await answer.getByTestId('message-meta').textContent()).toContain('ended by an error');
  await page.getByText(message).waitFor();
  const stored = await conversationsOf(page, new URL(page.url()).searchParams.get('c')!);
  expect(stored.messages.at(-1)).toMatchObject({ content: partial, finishReason: 'error' });
}

describeInBrowser('chat page', upstream.suiteOptions, (suite) => {
  it('streams an answer in: the partial text shows before the end, then the whole answer and its usage', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    fake.enqueue(
      turn(
        paced(['Hello', ' from', ' the fake'], { firstMs: 0, everyMs: 3000 }),
        finish('stop'),
        usage(9, 3),
      ),
    );
    await openChat(page, server);
    await sendMessage(page, 'Say hello');

    const streaming = page.getByTestId('message-streaming');
    await streaming.getByText('Hello').waitFor();
    expect(await streaming.textContent()).not.toContain('the fake');

    const answer = page.getByTestId('message-assistant').last();
    await answer.getByText('Hello from the fake').waitFor();
    expect(await page.getByTestId('message-streaming').count()).toBe(0);
    expect(await answer.getByTestId('message-meta').textContent()).toContain(
      '9 prompt + 3 completion tokens',
    );
    const sent = fake.requestsTo('chat').at(-1)?.body as {
      model: string;
      stream: boolean;
      messages: unknown;
    };
    expect(sent).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(sent.messages).toEqual([{ role: 'user', content: 'Say hello' }]);
  });

  it('keeps and stores the partial answer on Stop, cancels the upstream, and shows it all again after a reload', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    fake.enqueue(turn(say('A partial', ' answer'), { type: 'stall' }));
    await openChat(page, server);
    await sendMessage(page, 'Tell me a long story');
    await page.getByTestId('message-streaming').getByText('A partial answer').waitFor();

    await page.getByRole('button', { name: 'Stop' }).click();
    const answer = page.getByTestId('message-assistant').last();
    await answer.getByText('A partial answer').waitFor();
    expect(await answer.getByTestId('message-meta').textContent()).toContain('stopped');
    expect(await fake.requestsTo('chat').at(-1)?.ended).toBe('aborted');
    await page.getByRole('button', { name: 'Send' }).waitFor();

    const id = new URL(page.url()).searchParams.get('c');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await conversationsOf(page, id!);
    expect(stored.messages.map((m) => [m.role, m.content, m.finishReason])).toEqual([
      ['user', 'Tell me a long story', null],
      ['assistant', 'A partial answer', 'stopped'],
    ]);

    await page.reload();
    await page.getByTestId('message-user').getByText('Tell me a long story').waitFor();
    await page.getByTestId('message-assistant').getByText('A partial answer').waitFor();
    expect(await page.getByTestId('message-assistant').getByTestId('message-meta').textContent()).toContain(
      'stopped',
    );
  });

  it('sends the system prompt, the temperature and an attached image, and keeps them', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    await openChat(page, server);
    await page.getByLabel('System prompt').fill('You answer in one word.');
    await page.getByLabel('Temperature').fill('0.3');
    await page
      .getByLabel('Attach images (for models that take them)')
      .setInputFiles(path.join(modelsDir, 'digits', 'samples', 'digit-7-3.png'));
    await page.getByText('1 image attached').waitFor();
    await sendMessage(page, 'Which digit is this?');
    await page.getByTestId('message-assistant').last().getByText('ok', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();

    const sent = fake.requestsTo('chat').at(-1)?.body as {
      temperature: number;
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(sent.temperature).toBe(0.3);
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You answer in one word.' });
    expect(sent.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Which digit is this?' },
        { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,iVBOR/) } },
      ],
    });
    await page.getByTestId('message-user').last().getByRole('img', { name: 'attachment' }).waitFor();

    await page.reload();
    await page.getByTestId('message-user').getByRole('img', { name: 'attachment' }).waitFor();
    expect(await page.getByLabel('System prompt').inputValue()).toBe('You answer in one word.');
    expect(await page.getByLabel('Temperature').inputValue()).toBe('0.3');
  });

  it('keeps what came of an answer the upstream broke off mid-stream, and says so', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    fake.enqueue(turn(say('Half an'), { type: 'error', message: 'the upstream is overloaded' }));
    await openChat(page, server);
    await sendMessage(page, 'Answer in full');
    await expectEndedByError(page, 'Half an', 'the upstream is overloaded');
    await page.getByRole('button', { name: 'Send' }).waitFor();
  });

  it('says an answer whose stream was cut off on the way (no [DONE]) is incomplete, and keeps it', async () => {
    const { page, server } = suite;
    // What a proxy or a server going down leaves: a 200 stream whose body just ends.
    const chunk = {
      id: 'chatcmpl-cut',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'openai/gpt-4o-mini',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Cut short' }, finish_reason: null }],
    };
    await page.route('**/v1/chat/completions', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `data: ${JSON.stringify(chunk)}\n\n`,
      }),
    );
    try {
      await openChat(page, server);
      await sendMessage(page, 'Tell me everything');
      await expectEndedByError(page, 'Cut short', 'The answer stopped arriving before it was finished.');
    } finally {
      await page.unroute('**/v1/chat/completions');
    }
  });

  it('renames and deletes a conversation from the list', async () => {
    const { page, server } = suite;
    await openChat(page, server);
    await sendMessage(page, 'A question to keep');
    await page.getByTestId('message-assistant').getByText('ok', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const id = new URL(page.url()).searchParams.get('c')!;
    const list = page.getByTestId('conversation-list');
    await list.getByText('A question to keep').waitFor();

    page.once('dialog', (dialog) => void dialog.accept('Renamed chat'));
    await list.getByRole('button', { name: 'Rename A question to keep' }).click();
    await list.getByText('Renamed chat').waitFor();
    expect((await conversationsOf(page, id)).title).toBe('Renamed chat');

    page.once('dialog', (dialog) => void dialog.accept());
    await list.getByRole('button', { name: 'Delete Renamed chat' }).click();
    await list.getByText('Renamed chat').waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('c')).toBeNull();
    const status = await page.evaluate(async (cid) => (await fetch(`/api/conversations/${cid}`)).status, id);
    expect(status).toBe(404);
  });

  it('tells a viewer, whose role may not chat, so and offers no way to send', async () => {
    const { browser, server } = suite;
    await createUser(server, { name: 'watcher', role: 'viewer', password: CHAT_USER.password });
    const page = await browser.newPage();
    try {
      await signIn(page, server, 'watcher', CHAT_USER.password);
      await page.goto(`${server.url}/chat`);
      await page.getByTestId('chat-not-allowed').waitFor();
      expect(await page.getByTestId('chat-not-allowed').textContent()).toContain('chat');
      expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(0);
      expect(await page.getByLabel('Message').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('renders a model’s script, event handlers and javascript: links inert', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    const hostile = [
      'Look: <img src=x onerror="window.__pwned = \'img\'; alert(1)">',
      '<script>window.__pwned = "script"; alert(2)</script>',
      '[click me](javascript:window.__pwned="link";alert(3))',
      '<a href="#" onclick="window.__pwned=\'onclick\'; alert(4)">or me</a>',
      '![pic](javascript:alert(5)) <svg onload="alert(6)"></svg>',
      '<iframe src="javascript:alert(7)"></iframe> <details open ontoggle="alert(8)">x</details>',
      '[data](data:text/html,<script>alert(9)</script>)',
    ].join('\n\n');
    fake.enqueue(turn(say(hostile), finish('stop')));
    const dialogs: string[] = [];
    const onDialog = (dialog: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    };
    page.on('dialog', onDialog);
    try {
      await openChat(page, server);
      await sendMessage(page, 'Be hostile');
      const answer = page.getByTestId('message-assistant').last();
      await answer.getByText('click me').waitFor();
      await page.getByRole('button', { name: 'Send' }).waitFor();

      // The raw HTML shows as text; the markdown link is there but goes nowhere.
      expect(await answer.textContent()).toContain('<script>');
      const dangerous = await answer.evaluate((el) => ({
        scripts: el.querySelectorAll('script, iframe, svg, object, embed, details').length,
        handlers: Array.from(el.querySelectorAll('*')).flatMap((n) =>
          Array.from(n.attributes)
            .filter((a) => a.name.startsWith('on'))
            .map((a) => `${n.tagName}.${a.name}`),
        ),
        badUrls: Array.from(el.querySelectorAll('[href], [src]'))
          .map((n) => n.getAttribute('href') ?? n.getAttribute('src') ?? '')
          .filter((u) => !/^(https?:|mailto:|#)/i.test(u)),
        // An image would be fetched at once (a beacon): the answer's images are links.
        imgs: el.querySelectorAll('img').length,
      }));
      expect(dangerous).toEqual({ scripts: 0, handlers: [], badUrls: [], imgs: 0 });

      await answer.getByText('click me').click();
      await answer.getByText('or me').click();
      await answer.getByText('data', { exact: true }).click();
      // Anything that would have run has had the clicks' turn of the event loop by now.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(page.url()).toContain('/chat');
    } finally {
      page.off('dialog', onDialog);
    }
  });

  it('highlights a fenced code block', async () => {
    const { page, server } = suite;
    const fake = fakeOpenAI(upstream);
    fake.enqueue(
      turn(say('Here:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nDone.'), finish('stop')),
    );
    await openChat(page, server);
    await sendMessage(page, 'Some code please');
    const code = page.getByTestId('message-assistant').last().locator('pre code.language-python');
    await code.waitFor();
    expect(await code.textContent()).toBe('def add(a, b):\n    return a + b');
    expect(await code.locator('.hljs-keyword').allTextContents()).toEqual(['def', 'return']);
    expect(await code.locator('.hljs-title').first().textContent()).toBe('add');
    // …and coloured: a keyword's colour is not the code's own. Read again until the answer has
    // settled: a node React replaces while it is read has no computed style ('').
    const colours = () =>
      code.evaluate((el) => ({
        code: getComputedStyle(el).color,
        keyword: getComputedStyle(el.querySelector('.hljs-keyword') as Element).color,
      }));
    await expect
      .poll(async () => {
        const c = await colours();
        return c.code !== '' && c.keyword !== '' && c.keyword !== c.code;
      })
      .toBe(true);
  });
});

const noProvider = {
  env: withoutProviders(adminEnv()),
  setUp: (server) => createUser(server, { ...CHAT_USER, role: 'member' }),
} satisfies BrowserSuiteOptions;

describeInBrowser('chat page without a provider', noProvider, (suite) => {
  it('names the variables to set and offers no way to send', async () => {
    const { page, server } = suite;
    await signIn(page, server, CHAT_USER.name, CHAT_USER.password);
    await page.goto(`${server.url}/chat`);
    const notice = page.getByTestId('no-provider');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    for (const variable of [
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OLLAMA_BASE_URL',
      'ANTHROPIC_API_KEY',
      'GEMINI_API_KEY',
    ])
      expect(text).toContain(variable);
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(0);
    expect(await page.getByLabel('Message').count()).toBe(0);
  });
});
