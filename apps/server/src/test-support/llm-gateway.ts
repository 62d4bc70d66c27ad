/**
 * A Model Garden server in front of fake LLM upstreams (real HTTP on loopback): `openai` from
 * OPENAI_BASE_URL, and from an LLM_CONFIG file `backup` (a second OpenAI-compatible server) and
 * `anthropic`, an alias `chat-default` over openai with backup as fallback, and the bootstrap admin
 * key. Tests script the fakes per call; `key()` makes a member's API key with the LLM scopes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type FakeLlm, startFakeAnthropic, startFakeOpenAI } from './fake-llm/index.js';
import { startTestServer, type TestServer } from './test-server.js';

export const ADMIN_KEY = 'mg-test-admin-key-0123456789abcdef';

export interface GatewayFixture {
  server: TestServer;
  url: string;
  openai: FakeLlm;
  backup: FakeLlm;
  anthropic: FakeLlm;
  /** Creates a user (once) and an API key with the given scopes; returns the key. */
  key(scopes?: string[]): Promise<{ key: string; id: number }>;
  /** POST JSON with a key. */
  post(path: string, body: unknown, key?: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface GatewayFixtureOptions {
  /** Extra top-level YAML (timeouts, retries, limits, …). */
  yaml?: string;
  env?: Record<string, string>;
}

export async function startGateway(options: GatewayFixtureOptions = {}): Promise<GatewayFixture> {
  const models = [
    { id: 'gpt-4o-mini', kind: 'chat' as const },
    { id: 'text-embedding-3-small', kind: 'embedding' as const },
  ];
  const openai = await startFakeOpenAI({ apiKey: 'sk-upstream', models });
  const backup = await startFakeOpenAI({ models });
  const anthropic = await startFakeAnthropic({ models: [{ id: 'claude-haiku', kind: 'chat' }] });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mg-llm-config-'));
  const configFile = path.join(dir, 'llm.yaml');
  await writeFile(
    configFile,
    [
      'providers:',
      `  - { name: backup, kind: openai-compatible, baseUrl: "${backup.url}" }`,
      `  - { name: anthropic, kind: anthropic, baseUrl: "${anthropic.url}", apiKey: sk-ant }`,
      'aliases:',
      '  chat-default:',
      '    deployments: [{ model: openai/gpt-4o-mini, weight: 1 }]',
      '    fallbacks: [backup/gpt-4o-mini]',
      '  claude: { deployments: [anthropic/claude-haiku] }',
      'retries: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2000 }',
      'timeouts: { firstTokenMs: 1000, totalMs: 5000 }',
      options.yaml ?? '',
    ].join('\n'),
  );
  const server = await startTestServer({
    env: {
      MODELGARDEN_ADMIN_KEY: ADMIN_KEY,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'sk-upstream',
      LLM_CONFIG: configFile,
      SEED_DEMO_MODELS: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
  });
  const url = server.url;
  const post = (p: string, body: unknown, key = ADMIN_KEY, headers: Record<string, string> = {}) =>
    fetch(`${url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  let user = false;
  let n = 0;
  // The catalog lists the fakes at start without blocking readiness; wait for it here.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const body = (await res.json()) as { data: Array<{ id: string }> };
    if (
      body.data.some((m) => m.id === 'anthropic/claude-haiku') &&
      body.data.some((m) => m.id === 'backup/gpt-4o-mini')
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    server,
    url,
    openai,
    backup,
    anthropic,
    post,
    async key(scopes = ['chat', 'embeddings']) {
      if (!user) {
        const res = await post('/api/users', {
          name: 'llm-user',
          role: 'member',
          password: 'a-long-enough-password-1',
        });
        if (!res.ok) throw new Error(`creating the user: ${res.status} ${await res.text()}`);
        user = true;
      }
      const res = await post('/api/keys', { name: `k${n++}`, scopes, user: 'llm-user' });
      if (!res.ok) throw new Error(`creating a key: ${res.status} ${await res.text()}`);
      const created = (await res.json()) as { key: string; id: number };
      return { key: created.key, id: created.id };
    },
    async close() {
      await server.close();
      await Promise.all([openai.close(), backup.close(), anthropic.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `data:` payloads of an SSE body, in order. */
export function sseEvents(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((e) => e.trim().length > 0 && !e.startsWith(':'))
    .map((e) => e.replace(/^data: ?/, ''));
}
