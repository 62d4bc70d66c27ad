/**
 * The event loop's side of the embedded database: a PGlite look-alike (the `query`, `exec` and
 * `transaction` that drizzle-orm/pglite calls) whose statements run in the worker thread that owns
 * the database (pglite-thread.ts). The worker keeps the process alive only while a statement is in
 * flight, so a forgotten handle never holds the process open.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../worker-entry.js';
import {
  errorFrom,
  type PgliteReply,
  type PgliteRequest,
  type PgliteResults,
  type PgliteThreadData,
} from './pglite-protocol.js';
import { raiseWasmTieringBudget } from './wasm-tiering.js';

type Request = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, 'id'> : never) : never;

interface QueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, unknown>;
}

/** The statements drizzle-orm/pglite runs, inside a transaction or outside one. */
export interface PgliteQueries {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<PgliteResults & { rows: T[] }>;
  exec(sql: string): Promise<PgliteResults[]>;
}

function startWorker(data: PgliteThreadData): Promise<Worker> {
  raiseWasmTieringBudget();
  const entry = workerEntry(import.meta.url, 'pglite-thread');
  const worker = new Worker(entry.target, { eval: entry.eval, workerData: data });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`The embedded database thread exited (${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: PgliteReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if ('type' in m && m.type === 'ready') resolve(worker);
      else {
        void worker.terminate();
        reject('type' in m && m.type === 'failed' ? errorFrom(m.error) : new Error('unexpected message'));
      }
    });
  });
}

/**
 * Initialises `dataDir` (initdb) and applies the migrations in a worker that then exits: initdb's
 * WebAssembly memories (hundreds of MB) go with that thread instead of staying resident until a
 * major GC that may not come.
 */
export async function initPgliteDir(dataDir: string, migrationsFolder: string): Promise<void> {
  const worker = await startWorker({ dataDir, migrationsFolder, initOnly: true });
  await worker.terminate();
}

export class PgliteThreadClient implements PgliteQueries {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private stopped: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: PgliteReply) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(errorFrom(m.error));
    });
    const fail = (err: Error) => {
      this.stopped ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The embedded database thread exited (${code})`)));
  }

  /** Starts the thread on `dataDir` (null: in memory), applies the migrations, resolves when ready. */
  static async open(dataDir: string | null, migrationsFolder: string | null): Promise<PgliteThreadClient> {
    return new PgliteThreadClient(await startWorker({ dataDir, migrationsFolder, initOnly: false }));
  }

  private call<T>(request: Request, transfer?: ArrayBuffer[]): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.postMessage({ ...request, id } as PgliteRequest, transfer);
    });
  }

  private queries(tx: number): PgliteQueries {
    return {
      query: (sql, params = [], options = {}) =>
        this.call({
          op: 'query',
          sql,
          params,
          rowMode: options.rowMode ?? 'object',
          rawDates: options.parsers !== undefined,
          tx,
        }),
      exec: (sql) => this.call({ op: 'exec', sql, tx }),
    };
  }

  private readonly top = this.queries(0);

  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<PgliteResults & { rows: T[] }> {
    return this.top.query(sql, params, options);
  }

  exec(sql: string): Promise<PgliteResults[]> {
    return this.top.exec(sql);
  }

  /**
   * Runs `COPY target FROM '/dev/blob' (FORMAT binary)` on `data` (see Database.copyBinary). The
   * bytes move to the thread without a copy when `data` spans its whole buffer (which is then
   * detached here); a view into a larger buffer is copied.
   */
  async copyBinary(target: string, data: Uint8Array): Promise<void> {
    const own =
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      data.buffer instanceof ArrayBuffer;
    const bytes = own ? data : data.slice();
    await this.call(
      { op: 'copy', sql: `copy ${target} from '/dev/blob' with (format binary)`, data: bytes, tx: 0 },
      [bytes.buffer as ArrayBuffer],
    );
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: PgliteQueries) => Promise<T>): Promise<T> {
    const id = this.nextId; // the begin request's id names the transaction
    await this.call({ op: 'begin' });
    let result: T;
    try {
      result = await fn(this.queries(id));
    } catch (err) {
      await this.call({ op: 'end', tx: id, commit: false }).catch(() => {});
      throw err;
    }
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.call({ op: 'close' }).catch(() => {});
    this.stopped ??= new Error('The embedded database is closed');
    await this.worker.terminate();
  }
}
