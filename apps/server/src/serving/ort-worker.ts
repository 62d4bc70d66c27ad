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
    run(msg.inputs, msg.outputNames).then(
      (outputs) => {
        const reply: WorkerReply = { id: msg.id, outputs };
        port.postMessage(reply, transferablesOf(outputs));
      },
      (err: unknown) => {
        const e = err as { code?: string; message?: string; cause?: unknown };
        // The library's full text (the cause) travels too, for the main thread's log.
        const cause = e.cause instanceof Error ? e.cause.message : undefined;
        const reply: WorkerReply = {
          id: msg.id,
          error: { code: e.code, message: e.message ?? String(err), ...(cause ? { cause } : {}) },
        };
        port.postMessage(reply);
      },
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  const e = err as { code?: string; message?: string };
  port.postMessage({ ready: false, error: { code: e.code, message: e.message ?? String(err) } });
}
