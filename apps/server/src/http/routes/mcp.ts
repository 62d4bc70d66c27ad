/**
 * The MCP server at `/mcp` (Streamable HTTP, on the official @modelcontextprotocol/sdk): tools named
 * after the models the caller may use (llm/tools: the same schemas, permissions and results as the
 * gateway's tool loop), model cards as resources (`modelgarden://models/<name>`, Markdown), and
 * `notifications/tools/list_changed` (and resources') on every registry change. Authenticated with
 * Model Garden API keys (Bearer; never anonymous); a session belongs to the credentials that opened
 * it, and another caller naming its id is answered as for an unknown session. See docs/tools-and-mcp.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SIGNED_IN } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import type { McpSession } from '../mcp-session.js';
import { traits } from '../route-traits.js';

/** Open sessions at most; the oldest is closed to make room. */
const MAX_SESSIONS = 1000;

function ownerOf(p: Principal): string {
  if (p.kind === 'user') return p.via === 'key' ? `key:${p.keyId}` : `user:${p.userId}`;
  return p.kind;
}

export function mcpRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const sessions = new Map<string, McpSession>();
    const unsubscribe = ctx.registry.onChange(() => {
      for (const s of sessions.values()) {
        void s.server.sendToolListChanged().catch(() => {});
        void s.server.sendResourceListChanged().catch(() => {});
      }
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
    });

    const rpcError = (reply: FastifyReply, status: number, message: string) =>
      reply.status(status).send({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });

    async function handle(req: FastifyRequest, reply: FastifyReply) {
      const owner = ownerOf(req.principal);
      const id = req.headers['mcp-session-id'];
      let session = typeof id === 'string' ? sessions.get(id) : undefined;
      if (typeof id === 'string' && (!session || session.owner !== owner))
        return rpcError(reply, 404, 'Session not found');
      if (!session) {
        if (req.method !== 'POST') return rpcError(reply, 400, 'No session: initialize first');
        if (sessions.size >= MAX_SESSIONS) {
          const [oldest] = sessions.values();
          await oldest?.transport.close().catch(() => {});
        }
        const { openMcpSession } = await import('../mcp-session.js');
        session = await openMcpSession(
          ctx,
          req.principal,
          owner,
          (sid, opened) => sessions.set(sid, opened),
          (sid) => sessions.delete(sid),
        );
      }
      reply.hijack();
      await session.transport.handleRequest(req.raw, reply.raw, req.body);
    }

    const options = {
      config: traits(SIGNED_IN, 'llm'),
      // JSON-RPC, not REST: left out of the OpenAPI document (and so of the SDK's coverage).
      schema: {
        hide: true,
        tags: ['llm'],
        summary: 'MCP server (Streamable HTTP): the models you may use as tools, their cards as resources',
      },
    };
    app.post('/mcp', options, handle);
    app.get('/mcp', options, handle);
    app.delete('/mcp', options, handle);
  };
}
