/**
 * The `api` role's hook: prediction and OIP model routes are authenticated and authorised here, then
 * sent to an inference replica, which answers (its status, headers and body pass through unchanged).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { routeOf } from '../http/route-hooks.js';
import { InferencePool } from './inference-pool.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * Reads the raw body (the content parsers have not run yet), refusing more than maxBytes. It is kept
 * whole in memory so that a retry on another connection can send it again.
 */
async function readBody(req: FastifyRequest, maxBytes: number): Promise<Buffer | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new ModelGardenError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`, {
        details: { maxBytes },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function forwardedHeaders(req: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${req.ip}` : req.ip;
  headers['x-forwarded-host'] ??= req.headers.host ?? '';
  headers['x-forwarded-proto'] ??= req.protocol;
  // One request id across both tiers, so their log lines join up.
  headers['x-request-id'] = req.id;
  return headers;
}

/** The request's deadline: its own `timeoutMs` when shorter than the forwarding limit. */
function deadlineOf(req: FastifyRequest, limitMs: number): number {
  const asked = Number((req.query as { timeoutMs?: string } | undefined)?.timeoutMs);
  const ms = Number.isFinite(asked) && asked > 0 ? Math.min(asked + 1_000, limitMs) : limitMs;
  return Date.now() + ms;
}

/**
 * Registers the forwarding hook after the app's own onRequest hooks (auth among them), so only
 * requests this replica would have served are forwarded.
 */
export function registerInferenceForwarding(app: FastifyInstance, ctx: AppContext): InferencePool {
  const pool = new InferencePool(ctx.config.inferenceUrls);
  app.addHook('onClose', () => pool.close());
  app.addHook('onRequest', async (req, reply) => {
    // The routes that declare `forward` (http/route-traits.ts): predictions and OIP model routes.
    if (routeOf(req).config?.traits?.forward !== true) return;
    const body = await readBody(req, ctx.config.maxBodyBytes);
    const res = await pool.forward({
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req),
      body,
      deadline: deadlineOf(req, ctx.config.inferenceTimeoutMs),
    });
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    }
    if (res.failures.length > 0) {
      req.log.info(
        { replica: res.replica, statusCode: res.statusCode, failures: res.failures },
        'forwarded to an inference replica after retrying',
      );
    } else {
      req.log.debug(
        { replica: res.replica, statusCode: res.statusCode },
        'forwarded to an inference replica',
      );
    }
    return reply.send(res.body);
  });
  return pool;
}
