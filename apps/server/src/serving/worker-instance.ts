/**
 * An engine instance whose onnxruntime session lives in a worker thread (ort-worker.ts). The
 * scheduler sees the same InstanceRunner as for an in-thread session; tensors in buffers the engine
 * owns cross by transfer both ways (the inputs come back for reuse), any other input by copy.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ModelVersion } from '../registry/types.js';
import type { RawOutput } from './batching.js';
import type { SessionOptions } from './onnx-session.js';
import type { InstanceRunner } from './scheduler.js';
import type { DecodedTensor } from './tensor-codec.js';
import { tensorPool } from './tensor-pool.js';

/** One engine instance: runs batches, and releases its session when the version is retired. */
export interface EngineInstance {
  run: InstanceRunner;
  release(): Promise<void>;
}

export interface WorkerData {
  bytes: Uint8Array;
  options: SessionOptions;
  outputs: ModelVersion['outputs'];
}

export interface WorkerRequest {
  id: number;
  inputs: DecodedTensor[];
  outputNames: string[];
}

/** A reply also hands back the input buffers it was sent (moved back, for the pool to reuse). */
export type WorkerReply = { id: number; returned?: ArrayBuffer[] } & (
  | { outputs: RawOutput[]; error?: undefined }
  | { error: { code?: string | undefined; message: string; cause?: string }; outputs?: undefined }
);

type StartReply = { ready: true } | { ready: false; error: { code?: string; message: string } };

/** The buffers of typed-array tensors, which postMessage can move instead of copying. */
export function transferablesOf(tensors: Array<{ data: DecodedTensor['data'] }>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    if (!Array.isArray(t.data) && t.data.buffer instanceof ArrayBuffer) out.add(t.data.buffer);
  }
  return [...out];
}

/**
 * The worker's entry. Built, it is ort-worker.js. From the TypeScript sources (tsx, Vitest) it is
 * ort-worker.ts, which a worker can only load after registering tsx's loader in that thread
 * (`execArgv: ['--import', 'tsx']` does not reach worker threads), so a two-line bootstrap does that.
 */
function workerEntry(): { target: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { target: new URL('./ort-worker.js', import.meta.url), eval: false };
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const entry = new URL('./ort-worker.ts', import.meta.url).href;
  return {
    target: `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    eval: true,
  };
}

const errorOf = (e: { code?: string | undefined; message: string; cause?: string }) =>
  e.code === 'INVALID_INPUT' || e.code === 'INVALID_MODEL_FILE'
    ? new ModelGardenError(e.code, e.message, e.cause ? { cause: new Error(e.cause) } : {})
    : new ModelGardenError('INTERNAL', `Inference worker failed: ${e.message}`);

interface Pending {
  resolve(o: RawOutput[]): void;
  reject(e: unknown): void;
}

/** One worker thread with its session open (resolves once the worker says it is ready). */
async function spawn(bytes: Uint8Array, options: SessionOptions, version: ModelVersion) {
  const entry = workerEntry();
  const worker = new Worker(entry.target, {
    eval: entry.eval,
    workerData: { bytes, options, outputs: version.outputs } satisfies WorkerData,
    name: `ort ${version.model}@${version.version}`,
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`inference worker exited with code ${code}`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (msg: StartReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (msg.ready) resolve();
      else reject(errorOf(msg.error));
    });
  }).catch(async (err) => {
    await worker.terminate();
    throw err;
  });
  return worker;
}

/**
 * Starts a worker, opens the session in it, and resolves once it is ready to run. A worker that
 * dies (a crash in native code, say) fails its in-flight runs with INTERNAL and is replaced on the
 * next run, so one bad moment does not leave the version unservable.
 */
export async function startWorkerInstance(
  bytes: Uint8Array,
  options: SessionOptions,
  version: ModelVersion,
  onDeath: (err: Error) => void = () => {},
): Promise<EngineInstance> {
  const pending = new Map<number, Pending>();
  const dead = new WeakSet<Worker>();
  let nextId = 0;
  let released: Error | undefined;

  const attach = (worker: Worker) => {
    worker.on('message', (msg: WorkerReply) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      // A moved-back buffer is a new object on this thread: the pool adopts it.
      for (const buffer of msg.returned ?? []) tensorPool.adopt(buffer);
      if (msg.error) p.reject(errorOf(msg.error));
      else p.resolve(msg.outputs);
    });
    let gone = false;
    const die = (reason: string) => {
      if (gone) return; // 'error' is followed by 'exit'
      gone = true;
      dead.add(worker);
      const err = new ModelGardenError('INTERNAL', `Inference worker failed: ${reason}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (released) return;
      onDeath(err);
      current = spawn(bytes, options, version).then(attach);
      current.catch(() => {});
    };
    worker.on('error', (err) => die(err.message));
    worker.on('exit', (code) => die(`exited with code ${code}`));
    return worker;
  };

  let current: Promise<Worker> = spawn(bytes, options, version).then(attach);
  await current;

  const run: InstanceRunner = async (inputs, outputNames) => {
    if (released) throw released;
    let worker = await current;
    // Died since `current` settled: wait for its replacement (a message to a dead worker is lost).
    while (dead.has(worker)) worker = await current;
    const id = nextId++;
    // A tensor in a buffer the engine owns (tensor-pool.ts: decoded binary tensors, merged batches)
    // is moved as it is, and comes back with the reply for reuse. Any other is copied into its own
    // buffer first: it may be a view on a larger buffer (a pooled Buffer, the OIP binary body) that
    // must stay usable here.
    const own = inputs.map((t) =>
      Array.isArray(t.data) || tensorPool.owns(t.data.buffer) ? t : { ...t, data: t.data.slice() },
    );
    return new Promise<RawOutput[]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, inputs: own, outputNames } satisfies WorkerRequest, transferablesOf(own));
    });
  };

  return {
    run,
    async release() {
      if (released) return;
      released = new ModelGardenError('MODEL_NOT_READY', 'The instance was released');
      const worker = await current.catch(() => undefined);
      if (!worker) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      // The session is released in the worker; terminate if it does not exit promptly.
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
