/**
 * The `api` role's view of the inference replicas: round robin over `INFERENCE_URLS` (undici pools),
 * and a request that is tried again when a replica cannot be reached, breaks the connection or
 * answers 503: on the next replica, and at least once more on a fresh connection (even with one
 * URL, where a Kubernetes Service balances each new connection to a ready pod), until its deadline.
 */
import type { Dispatcher } from 'undici';
import { Client, Pool } from 'undici';
import { ModelGardenError } from '../errors/model-garden-error.js';

export interface ForwardRequest {
  method: string;
  /** Path and query, e.g. `/v2/models/iris/infer?timeoutMs=50`. */
  path: string;
  headers: Record<string, string>;
  /**
   * The whole body in memory, never a stream: a retry sends it again. Only idempotent requests
   * (predictions and model metadata, which change nothing but the prediction log) are forwarded.
   */
  body: Buffer | undefined;
  /** Epoch ms after which no replica is tried and the caller gets DEADLINE_EXCEEDED. */
  deadline: number;
}

export interface ForwardFailure {
  replica: string;
  error: string;
}

export type ForwardResponse = Dispatcher.ResponseData & {
  replica: string;
  /** The attempts before the one that answered (empty when the first one did). */
  failures: ForwardFailure[];
};

/**
 * Errors that mean the replica did not answer (down, restarting, unreachable, or a pooled keep-alive
 * connection that broke when it was reused): safe to try again, on another connection.
 */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const CONNECTION_MESSAGES = ['socket hang up', 'other side closed'];

export function isConnectionFailure(err: unknown): boolean {
  for (let e = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if (CONNECTION_ERRORS.has((e as { code?: string }).code ?? '')) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** A replica that is shutting down (or a proxy in front of one) answers 503: another may serve. */
const RETRIED_STATUS = 503;

export class InferencePool {
  private readonly pools: Array<{ url: string; pool: Pool }>;
  private next = 0;

  constructor(urls: string[]) {
    if (urls.length === 0) throw new Error('An inference pool needs at least one replica URL');
    this.pools = urls.map((url) => ({ url, pool: new Pool(url, { connections: 64 }) }));
  }

  get urls(): string[] {
    return this.pools.map((p) => p.url);
  }

  /** Attempts per request: every replica once, plus one more (so one URL gets two). */
  get maxAttempts(): number {
    return this.pools.length + 1;
  }

  /**
   * Sends the request to the next replica in turn. On a connection failure, or a 503, it tries the
   * following replicas (wrapping round, `maxAttempts` in all) while the deadline allows. Every retry
   * goes over a fresh connection of its own, never a pooled one: when a replica goes away, the other
   * idle keep-alive connections to it are as stale as the one that just broke. The first answer
   * that is not a retried 503 is returned as is; the last attempt's 503 is returned too.
   */
  async forward(req: ForwardRequest): Promise<ForwardResponse> {
    const start = this.next;
    this.next = (this.next + 1) % this.pools.length;
    const failures: ForwardFailure[] = [];
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const remaining = req.deadline - Date.now();
      if (remaining <= 0) break;
      const target = this.pools[(start + attempt) % this.pools.length]!;
      const fresh = attempt > 0 ? new Client(target.url, { pipelining: 1 }) : undefined;
      try {
        const res = await (fresh ?? target.pool).request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: remaining,
          bodyTimeout: remaining,
          signal: AbortSignal.timeout(remaining),
        });
        const last = attempt === this.maxAttempts - 1;
        if (res.statusCode === RETRIED_STATUS && !last && Date.now() < req.deadline) {
          failures.push({ replica: target.url, error: `answered ${res.statusCode}` });
          await res.body.dump().catch(() => {});
          continue;
        }
        return Object.assign(res, { replica: target.url, failures });
      } catch (err) {
        if (!isConnectionFailure(err)) {
          if (Date.now() >= req.deadline) break;
          throw new ModelGardenError('INTERNAL', `Forwarding to ${target.url} failed`, { cause: err });
        }
        failures.push({ replica: target.url, error: (err as Error).message });
      } finally {
        // Graceful: the connection closes once the answer (if any) has been read to its end.
        if (fresh) fresh.close().catch(() => {});
      }
    }
    if (Date.now() >= req.deadline) {
      throw new ModelGardenError('DEADLINE_EXCEEDED', 'No inference replica answered within the deadline', {
        details: { failures },
      });
    }
    throw new ModelGardenError('MODEL_NOT_READY', 'No inference replica could be reached', {
      details: { failures },
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.pool.close()));
  }
}
