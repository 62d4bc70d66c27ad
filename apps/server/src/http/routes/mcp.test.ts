/**
 * The MCP server over a real socket, with the SDK's own client: tools listed and called, model cards
 * as resources, permission filtering between two teams' keys, list_changed after a push and after
 * a change of a model's visibility.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { apiCall, pushIris, SETOSA, twoTeams } from '../../test-support/tool-models.js';

const ADMIN_KEY = 'mg-test-admin-key-0123456789abcdef';
let server: TestServer;
let keys: Record<string, string> = {};
const clients: Client[] = [];

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({
    seedDemoModels: false,
    env: { MODELGARDEN_ADMIN_KEY: ADMIN_KEY, ANONYMOUS_LOOPBACK_WRITES: 'false' },
  });
  keys = await twoTeams(server.url, ADMIN_KEY, ['predict', 'models:write']);
  await pushIris(server.url, 'iris', ADMIN_KEY, 'public');
  await pushIris(server.url, 'secret', keys.alice!, 'team');
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await server?.close();
});

describe('/mcp', () => {
  it('lists the models a caller may use as tools, each team its own', async () => {
    const alice = await connect(keys.alice!);
    const bob = await connect(keys.bob!);
    const aliceTools = (await alice.listTools()).tools;
    expect(aliceTools.map((t) => t.name)).toEqual(['iris', 'secret']);
    expect(aliceTools[0]!.inputSchema).toMatchObject({
      type: 'object',
      required: Object.keys(SETOSA),
    });
    expect(aliceTools[0]!.description).toContain('iris species');
    expect((await bob.listTools()).tools.map((t) => t.name)).toEqual(['iris']);
  });

  it('calls a tool through the serving engine, and answers bad arguments with an error result', async () => {
    const bob = await connect(keys.bob!);
    const ok = await bob.callTool({ name: 'iris', arguments: SETOSA });
    expect(ok.isError).toBe(false);
    const text = (ok.content as Array<{ type: string; text: string }>)[0]!.text;
    expect(JSON.parse(text)).toMatchObject({ model: 'iris', version: 1, label: 'setosa' });

    const bad = await bob.callTool({ name: 'iris', arguments: { sepal_length: 1 } });
    expect(bad.isError).toBe(true);
    const error = JSON.parse((bad.content as Array<{ text: string }>)[0]!.text).error;
    expect(error.code).toBe('MISSING_FEATURE');

    const hidden = await bob.callTool({ name: 'secret', arguments: SETOSA });
    expect(hidden.isError).toBe(true);
    expect(JSON.parse((hidden.content as Array<{ text: string }>)[0]!.text).error.code).toBe(
      'TOOL_NOT_FOUND',
    );
  });

  it('serves model cards as resources, hidden ones refused', async () => {
    const bob = await connect(keys.bob!);
    const resources = (await bob.listResources()).resources;
    expect(resources.map((r) => r.uri)).toEqual(['modelgarden://models/iris']);
    const card = await bob.readResource({ uri: 'modelgarden://models/iris' });
    expect((card.contents[0] as { text: string }).text).toMatch(/^# iris/);
    await expect(bob.readResource({ uri: 'modelgarden://models/secret' })).rejects.toThrow(/not found/i);
  });

  it('refuses callers without a key, and a session to anyone but its owner', async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    const alice = await connect(keys.alice!);
    const sessionId = (alice.transport as StreamableHTTPClientTransport).sessionId!;
    const stolen = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${keys.bob}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stolen.status).toBe(404);
  });

  it('tells connected clients the tools changed when a model is pushed', async () => {
    const bob = await connect(keys.bob!);
    const changed = new Promise<void>((resolve) =>
      bob.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    // The standalone SSE stream opens after initialization; a list round trip lets it settle.
    await bob.listTools();
    await pushIris(server.url, 'iris2', ADMIN_KEY, 'public');
    await changed;
    expect((await bob.listTools()).tools.map((t) => t.name)).toEqual(['iris', 'iris2']);
  });

  it('tells connected clients the tools changed when a model becomes visible to them', async () => {
    const bob = await connect(keys.bob!);
    expect((await bob.listTools()).tools.map((t) => t.name)).not.toContain('secret');
    const changed = new Promise<void>((resolve) =>
      bob.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    await apiCall(server.url, 'PATCH', '/api/models/secret', keys.alice!, { visibility: 'public' });
    await changed;
    expect((await bob.listTools()).tools.map((t) => t.name)).toContain('secret');
  });
});
