/**
 * `Idempotency-Key` on the registry's mutating requests: a replay of a key answers what the first
 * request answered (with `Idempotent-Replayed: true`) and changes nothing; the same key with another
 * method, path or body is 422 IDEMPOTENCY_KEY_REUSED; a replay while the first still runs is 409.
 * Server errors (5xx) release the key so the client may retry.
 *
 * A multipart upload (a route whose traits declare `idempotency: 'upload'`) streams to its handler, so its
 * fingerprint is known only once the body has been read: the key is claimed provisionally here, and
 * the handler calls `fingerprintUpload` with the fields and the file's sha256 before it stores
 * anything. A replay of an answered key streams its own upload (to a temporary file the handler
 * discards) and is compared then: replayed, or 422. A key still running is 409 at once. An upload
 * that fails before it was fingerprinted (bad part, too large, client gone) releases its key.
 *
 * A key is the caller's own (`callerOf`): the same key from another user, API key, the admin key or
 * an anonymous caller is another key, so nobody replays or blocks someone else's answer.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/database.js';
import { IdempotencyStore, type StoredAnswer } from '../db/idempotency-store.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { isMultipart } from './multipart-files.js';
import { addRouteHook, routeMethods, routeOf } from './route-hooks.js';
import { type RouteTraits, traitsOfRoute } from './route-traits.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const held = Symbol('idempotencyClaim');
const answered = Symbol('idempotencyAnswered');

/** A claim this request holds; `fingerprint` is what the row holds (an upload's token until settled). */
interface Held {
  store: IdempotencyStore;
  caller: string;
  key: string;
  fingerprint: string;
  provisional: boolean;
}

/** An upload sent with a key that was already answered: its fingerprint picks replay or 422. */
interface Answered {
  fingerprint: string;
  answer: StoredAnswer;
}

type WithKey = FastifyRequest & { [held]?: Held; [answered]?: Answered };

/**
 * Whose key it is: one API key (`key:<id>`), a user's sessions (`user:<id>`), the bootstrap admin key
 * (`admin-key`), or anonymous callers (`anonymous`, loopback only: anonymous changes need it).
 */
export function callerOf(principal: Principal | null | undefined): string {
  if (principal?.kind === 'user') {
    return principal.via === 'key' && principal.keyId !== undefined
      ? `key:${principal.keyId}`
      : `user:${principal.userId}`;
  }
  return principal?.kind === 'bootstrap' ? 'admin-key' : 'anonymous';
}

/** JSON with sorted keys, so the same body sent with another key order has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": method, path and body. */
const fingerprintOf = (req: FastifyRequest, body: string) =>
  createHash('sha256').update(`${req.method} ${req.url}\n${body}`).digest('hex');

/** A body nobody reads (multipart sent to a route that takes no upload) counts by its length. */
const bodyOf = (req: FastifyRequest) =>
  isMultipart(req) ? `multipart:${req.headers['content-length'] ?? '?'}` : canonical(req.body ?? null);

/**
 * Keys apply to the routes that declare `idempotency` (route-traits.ts: the API's changes;
 * predictions change nothing and are not replayed).
 */
const appliesTo = (method: string, traits: RouteTraits | undefined) =>
  MUTATING.has(method) && traits?.idempotency != null;
const applies = (req: FastifyRequest) => appliesTo(req.method, routeOf(req).config?.traits);

const reused = () =>
  new ModelGardenError(
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was used for a different request (method, path or body)',
  );
const inProgress = () =>
  new ModelGardenError('IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still running');

/** Sends a stored answer, marked as a replay. */
export function sendReplay(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  reply.header('idempotent-replayed', 'true');
  if (answer.contentType) reply.header('content-type', answer.contentType);
  return reply.status(answer.status).send(answer.body);
}

/**
 * For a route with `idempotency: 'upload'`, once its upload has streamed and before it stores
 * anything: fingerprints the request by method, URL, every non-file field and the file's sha256.
 * Returns the key's stored answer when this is a replay of the request that got it (the handler
 * discards the upload, then answers with `sendReplay`); throws 422 when the key was answered for a
 * different request. Without a key, or with a key this request holds, returns undefined: go on.
 */
export async function fingerprintUpload(
  req: FastifyRequest,
  upload: { fields: Record<string, string | null>; fileSha256: string | null },
): Promise<StoredAnswer | undefined> {
  const r = req as WithKey;
  const claim = r[held];
  const earlier = r[answered];
  if (!claim && !earlier) return undefined;
  const fingerprint = fingerprintOf(req, canonical({ fields: upload.fields, file: upload.fileSha256 }));
  if (earlier) {
    r[answered] = undefined;
    if (earlier.fingerprint !== fingerprint) throw reused();
    return earlier.answer;
  }
  if (claim?.provisional) {
    if (!(await claim.store.settle(claim.caller, claim.key, claim.fingerprint, fingerprint))) {
      // Taken over after ABANDONED_MS or released: it is no longer this request's key.
      r[held] = undefined;
      throw inProgress();
    }
    claim.fingerprint = fingerprint;
    claim.provisional = false;
  }
  return undefined;
}

export function registerIdempotency(app: FastifyInstance, db: Db): void {
  const store = new IdempotencyStore(db);

  // On the routes a key can apply to only (not on predictions), and callback style: almost no
  // request carries a key, and an async hook would cost each a promise (docs/performance.md).
  const keyed = (route: RouteOptions) => routeMethods(route).some((m) => appliesTo(m, traitsOfRoute(route)));
  addRouteHook(app, 'preHandler', keyed, (req: WithKey, reply, done) => {
    if (req.headers['idempotency-key'] === undefined) return done();
    claimKey(req, reply).then(() => done(), done);
  });
  addRouteHook(app, 'onSend', keyed, (req: WithKey, reply, payload, done) => {
    if (!req[held]) return done(null, payload);
    recordAnswer(req, reply, payload).then((p) => done(null, p), done);
  });
  // A request that ends without a reply (client gone, crash in a hook) must not hold its key forever.
  addRouteHook(app, 'onResponse', keyed, (req: WithKey, _reply, done) => {
    const claim = req[held];
    if (!claim) return done();
    req[held] = undefined;
    claim.store.release(claim.caller, claim.key, claim.fingerprint).then(() => done(), done);
  });

  async function claimKey(req: WithKey, reply: FastifyReply): Promise<void> {
    const header = req.headers['idempotency-key'];
    if (header === undefined || !applies(req)) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_RE.test(key)) {
      throw new ModelGardenError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1-255 printable ASCII characters',
      );
    }
    const caller = callerOf(req.principal);
    if (isMultipart(req) && routeOf(req).config?.traits?.idempotency === 'upload') {
      const claim = await store.claimUpload(caller, key);
      if (claim.state === 'in-progress') throw inProgress();
      if (claim.state === 'answered') {
        req[answered] = { fingerprint: claim.fingerprint, answer: claim.answer };
        return;
      }
      req[held] = { store, caller, key, fingerprint: claim.token, provisional: true };
      return;
    }
    const fingerprint = fingerprintOf(req, bodyOf(req));
    const claim = await store.claim(caller, key, fingerprint);
    if (claim.state === 'mismatch') throw reused();
    if (claim.state === 'in-progress') throw inProgress();
    if (claim.state === 'replay') return sendReplay(reply, claim);
    req[held] = { store, caller, key, fingerprint, provisional: false };
  }

  async function recordAnswer(req: WithKey, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = req[held];
    if (!claim) return payload;
    req[held] = undefined;
    if (
      claim.provisional ||
      reply.statusCode >= 500 ||
      (payload !== null && payload !== undefined && typeof payload !== 'string')
    ) {
      // An upload that failed before it was fingerprinted changed nothing: a retry may run.
      await store.release(claim.caller, claim.key, claim.fingerprint);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await store.complete(claim.caller, claim.key, claim.fingerprint, {
      status: reply.statusCode,
      contentType: contentType === undefined ? null : String(contentType),
      body: payload ?? '',
    });
    return payload;
  }
}
