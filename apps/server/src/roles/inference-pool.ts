/**
 * The `api` role's view of the inference replicas: round robin over `INFERENCE_URLS` (undici pools),
 * and a request that moves to the next replica when one cannot be reached, until its deadline.
 */
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import { ModelGardenError } from '../errors/model-garden-error.js';

export interface ForwardRequest {
  method: string;
  /** Path and query, e.g. `/v2/models/iris/infer?timeoutMs=50`. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Epoch ms after which no replica is tried and the caller gets DEADLINE_EXCEEDED. */
  deadline: number;
}

/** Errors that mean the replica never answered (down, restarting, unreachable): safe to try another. */
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

function isConnectionFailure(err: unknown): boolean {
  for (let e = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if (CONNECTION_ERRORS.has((e as { code?: string }).code ?? '')) return true;
  }
  return false;
}

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

  /**
   * Sends the request to the next replica in turn; on a connection failure tries the others (each
   * once) while the deadline allows. The answer of the first replica that responds is returned as is.
   */
  async forward(req: ForwardRequest): Promise<Dispatcher.ResponseData & { replica: string }> {
    const start = this.next;
    this.next = (this.next + 1) % this.pools.length;
    const failures: Array<{ replica: string; error: string }> = [];
    for (let i = 0; i < this.pools.length; i++) {
      const remaining = req.deadline - Date.now();
      if (remaining <= 0) break;
      const target = this.pools[(start + i) % this.pools.length]!;
      try {
        const res = await target.pool.request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: remaining,
          bodyTimeout: remaining,
          signal: AbortSignal.timeout(remaining),
        });
        return Object.assign(res, { replica: target.url });
      } catch (err) {
        if (!isConnectionFailure(err)) {
          if (Date.now() >= req.deadline) break;
          throw new ModelGardenError('INTERNAL', `Forwarding to ${target.url} failed`, { cause: err });
        }
        failures.push({ replica: target.url, error: (err as Error).message });
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
