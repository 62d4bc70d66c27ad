/**
 * A worker thread that owns one onnxruntime session and runs it off the event loop. onnxruntime-node
 * runs a session synchronously on the calling thread, so sessions on the main thread serialise with
 * each other and with HTTP handling; in workers, a version's `instances` run in parallel and a long
 * inference no longer delays other requests (or fast 429s). Started by worker-instance.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { onnxRunner } from './onnx-runner.js';
import { openSession } from './onnx-session.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './worker-instance.js';
import { transferablesOf } from './worker-instance.js';

const port = parentPort;
if (!port) throw new Error('ort-worker.ts runs as a worker thread');
const data = workerData as WorkerData;

try {
  const { session } = await openSession(data.bytes, data.options);
  const run = onnxRunner(session, data.outputs);
  port.on('message', (msg: WorkerRequest | 'close') => {
    if (msg === 'close') {
      void session.release().finally(() => port.close());
      return;
    }
    // The input buffers go back with the reply, for the main thread's pool (tensor-pool.ts).
    const inputs = transferablesOf(msg.inputs);
    run(msg.inputs, msg.outputNames).then(
      (outputs) => {
        const moved = transferablesOf(outputs);
        const returned = inputs.filter((b) => !moved.includes(b));
        const reply: WorkerReply = { id: msg.id, outputs, returned };
        port.postMessage(reply, [...moved, ...returned]);
      },
      (err: unknown) => {
        const e = err as { code?: string; message?: string; cause?: unknown };
        // The library's full text (the cause) travels too, for the main thread's log.
        const cause = e.cause instanceof Error ? e.cause.message : undefined;
        const reply: WorkerReply = {
          id: msg.id,
          error: { code: e.code, message: e.message ?? String(err), ...(cause ? { cause } : {}) },
          returned: inputs,
        };
        port.postMessage(reply, inputs);
      },
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  const e = err as { code?: string; message?: string };
  port.postMessage({ ready: false, error: { code: e.code, message: e.message ?? String(err) } });
}
