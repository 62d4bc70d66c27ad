/**
 * One MCP session: the SDK's Server with Model Garden's tools and model cards, on a Streamable HTTP
 * transport. Its own module so that the SDK (~100 ms of imports) loads with the first MCP session,
 * not with every start of the server (routes/mcp.ts imports it on demand).
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { toolResultText } from '../llm/tools/model-tools.js';
import { SERVICE_VERSION } from '../version.js';

const CARD_URI = 'modelgarden://models/';

export interface McpSession {
  owner: string;
  server: Server;
  transport: StreamableHTTPServerTransport;
}

function mcpServer(ctx: AppContext, principal: Principal): Server {
  const server = new Server(
    { name: 'modelgarden', version: SERVICE_VERSION },
    { capabilities: { tools: { listChanged: true }, resources: { listChanged: true } } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: (await ctx.tools.list(principal)).map((t) => ({
      name: t.name,
      title: t.model,
      description: t.description,
      inputSchema: t.parameters as { type: 'object' },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tools = await ctx.tools.list(principal);
    const result = await ctx.tools.call(
      principal,
      tools,
      request.params.name,
      request.params.arguments ?? {},
      extra.signal,
    );
    return {
      content: [{ type: 'text' as const, text: toolResultText(result) }],
      isError: !result.ok,
    };
  });
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: (await ctx.tools.list(principal)).map((t) => ({
      uri: `${CARD_URI}${t.model}`,
      name: t.model,
      title: `Model card: ${t.model}`,
      mimeType: 'text/markdown',
    })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    const name = uri.startsWith(CARD_URI) ? decodeURIComponent(uri.slice(CARD_URI.length)) : '';
    const text = await ctx.tools.card(principal, name);
    return { contents: [{ uri, mimeType: 'text/markdown', text }] };
  });
  return server;
}

/** A session for `principal`, registered through `onInitialized` once the client's initialize has its id. */
export async function openMcpSession(
  ctx: AppContext,
  principal: Principal,
  owner: string,
  onInitialized: (id: string, session: McpSession) => void,
  onClosed: (id: string) => void,
): Promise<McpSession> {
  const created: McpSession = {
    owner,
    server: mcpServer(ctx, principal),
    transport: new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => onInitialized(sid, created),
    }),
  };
  created.transport.onclose = () => {
    if (created.transport.sessionId) onClosed(created.transport.sessionId);
  };
  await created.server.connect(created.transport);
  return created;
}
