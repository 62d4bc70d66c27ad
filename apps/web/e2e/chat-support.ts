// Set-up shared by the chat page's browser tests: a fake OpenAI upstream (OpenAI's real wire format,
// scripted per test) started before the suite's server, which then has it as its `openai` provider
// (OPENAI_BASE_URL); a member to sign in as; and helpers that open /chat, send a message and read a
// stored conversation with the page's own session.

import type { ConversationWithMessages } from '@modelgarden/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type FakeLlm, startFakeOpenAI } from '../../server/src/test-support/fake-llm/index.js';
import {
  ADMIN_KEY,
  adminEnv,
  type BrowserSuiteOptions,
  createUser,
  signIn,
  type TestServer,
} from './support.js';

export const CHAT_USER = { name: 'chatter', password: 'a chat password for the browser' };
const UPSTREAM_KEY = 'sk-fake-upstream';

/** The variables that configure a provider; a server without them has none. */
const PROVIDER_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OLLAMA_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'GEMINI_API_KEY',
  'GEMINI_BASE_URL',
  'LLM_CONFIG',
];

export function withoutProviders(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const copy = { ...env };
  for (const name of PROVIDER_VARIABLES) delete copy[name];
  return copy;
}

export interface ChatUpstream {
  /** The fake, once the suite has started. */
  fake: FakeLlm | undefined;
  suiteOptions: BrowserSuiteOptions;
}

/**
 * Starts a fake OpenAI upstream before the browser suite (call it at the test file's top level) and
 * returns the suite's options: its server gets the fake as provider `openai` (model `openai/gpt-4o-mini`).
 */
export function startChatUpstream(
  options: { env?: Record<string, string>; ingestDocs?: boolean } = {},
): ChatUpstream {
  const env = withoutProviders(adminEnv());
  const upstream: ChatUpstream = {
    fake: undefined,
    suiteOptions: {
      env,
      page: 'suite',
      async setUp(server) {
        await createUser(server, { ...CHAT_USER, role: 'member' });
        await waitForModel(server, 'openai/gpt-4o-mini');
        if (options.ingestDocs) await docsIngested(server);
      },
    },
  };
  // Runs before the suite's own beforeAll (an outer hook), so the server starts with the fake's URL.
  beforeAll(async () => {
    upstream.fake = await startFakeOpenAI({
      apiKey: UPSTREAM_KEY,
      models: [{ id: 'gpt-4o-mini', kind: 'chat' }],
    });
    Object.assign(env, {
      OPENAI_BASE_URL: upstream.fake.url,
      OPENAI_API_KEY: UPSTREAM_KEY,
      RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    });
  });
  afterAll(async () => {
    await upstream.fake?.close();
  });
  return upstream;
}

export function fakeOpenAI(upstream: ChatUpstream): FakeLlm {
  if (!upstream.fake) throw new Error('The fake upstream is not started yet');
  return upstream.fake;
}

/** The gateway lists a provider's models at start without blocking readiness: wait until it has. */
async function waitForModel(server: TestServer, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const body = (await res.json()) as { data?: Array<{ id: string }> };
    if (body.data?.some((m) => m.id === id)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The gateway never listed ${id}`);
}

/**
 * Waits until the seeded docs collection is ingested (the server seeds it on first start, in the
 * background), so a chat with it finds passages.
 */
export async function docsIngested(server: TestServer): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${server.url}/api/collections/docs/documents`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const body = (await res.json()) as { documents?: Array<{ status: string }> };
    if (res.ok && body.documents?.length && body.documents.every((d) => d.status !== 'processing')) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('The seeded docs collection was not ingested in time');
}

const signedIn = new WeakSet<Page>();

/** Signs the chat user in (once per page) and opens a new chat with the model picker filled. */
export async function openChat(page: Page, server: TestServer, query = ''): Promise<void> {
  if (!signedIn.has(page)) {
    await signIn(page, server, CHAT_USER.name, CHAT_USER.password);
    signedIn.add(page);
  }
  await page.goto(`${server.url}/chat${query}`);
  await page.getByLabel('Message').waitFor();
  await page.getByRole('option', { name: 'openai/gpt-4o-mini' }).waitFor({ state: 'attached' });
}

/** Ticks `value` in one of the chat's pickers (`tool-picker`, `collection-picker`). */
export async function pick(page: Page, picker: string, value: string): Promise<void> {
  const details = page.getByTestId(picker);
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  await details.getByRole('checkbox', { name: value, exact: true }).check();
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** A stored conversation, read over HTTP with the page's session (as the page itself reads it). */
export function conversationsOf(page: Page, id: string): Promise<ConversationWithMessages> {
  return page.evaluate(async (cid) => {
    const res = await fetch(`/api/conversations/${cid}`);
    if (!res.ok) throw new Error(`GET /api/conversations/${cid} answered ${res.status}`);
    return res.json();
  }, id);
}
