/**
 * `Idempotency-Key` on the registry's mutating requests: a replay of a key answers what the first
 * request answered (with `Idempotent-Replayed: true`) and changes nothing; the same key with another
 * method, path or body is 422 IDEMPOTENCY_KEY_REUSED; a replay while the first still runs is 409.
 * Server errors (5xx) release the key so the client may retry.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { IdempotencyStore } from '../db/idempotency-store.js';
import { ModelGardenError } from '../errors/model-garden-error.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const claimed = Symbol('idempotencyKey');
type WithKey = FastifyRequest & { [claimed]?: string };

/** JSON with sorted keys, so the same body sent with another key order has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What makes two requests "the same": method, path and body. A multipart upload is streamed to its
 * handler, so its fingerprint is its length (the same file and metadata give the same length).
 */
function fingerprintOf(req: FastifyRequest): string {
  const body = req.isMultipart()
    ? `multipart:${req.headers['content-length'] ?? '?'}`
    : canonical(req.body ?? null);
  return createHash('sha256').update(`${req.method} ${req.url}\n${body}`).digest('hex');
}

const applies = (req: FastifyRequest) =>
  MUTATING.has(req.method) &&
  (req.routeOptions.url ?? '').startsWith('/api/') &&
  !(req.routeOptions.url ?? '').endsWith('/predict');

export function registerIdempotency(app: FastifyInstance, db: Db): void {
  const store = new IdempotencyStore(db);

  app.addHook('preHandler', async (req: WithKey, reply) => {
    const header = req.headers['idempotency-key'];
    if (header === undefined || !applies(req)) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_RE.test(key)) {
      throw new ModelGardenError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1-255 printable ASCII characters',
      );
    }
    const claim = await store.claim(key, fingerprintOf(req));
    if (claim.state === 'mismatch') {
      throw new ModelGardenError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used for a different request (method, path or body)',
      );
    }
    if (claim.state === 'in-progress') {
      throw new ModelGardenError(
        'IDEMPOTENCY_KEY_IN_PROGRESS',
        'A request with this Idempotency-Key is still running',
      );
    }
    if (claim.state === 'replay') {
      reply.header('idempotent-replayed', 'true');
      if (claim.contentType) reply.header('content-type', claim.contentType);
      return reply.status(claim.status).send(claim.body);
    }
    req[claimed] = key;
  });

  app.addHook('onSend', async (req: WithKey, reply, payload) => {
    const key = req[claimed];
    if (!key) return payload;
    req[claimed] = undefined;
    if (
      reply.statusCode >= 500 ||
      (payload !== null && payload !== undefined && typeof payload !== 'string')
    ) {
      await store.release(key);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await store.complete(key, {
      status: reply.statusCode,
      contentType: contentType === undefined ? null : String(contentType),
      body: payload ?? '',
    });
    return payload;
  });

  // A request that ends without a reply (client gone, crash in a hook) must not hold its key forever.
  app.addHook('onResponse', async (req: WithKey) => {
    if (req[claimed]) await store.release(req[claimed]);
  });
}
