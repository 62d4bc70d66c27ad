/**
 * The compute-bound 1-vs-2 comparison's model: generated in TypeScript (scale/lib/onnx-model.ts, no
 * Python), pushed through the API, and set to one onnxruntime thread and no batching on every replica,
 * so that each replica's work is one core of inference per request.
 */
import { computeBoundOnnx } from './onnx-model.js';
import { type Replica, SCALE_ADMIN_KEY } from './replicas.js';

export const COMPUTE_MODEL = 'scale-compute';
export const COMPUTE_WIDTH = 512;
/** About 1–1.5 ms of one core per row here (26 µs a layer, measured with onnxruntime-node). */
export const COMPUTE_LAYERS = 48;
export const COMPUTE_CONFIG = { intraOpThreads: 1, interOpThreads: 1, maxBatchSize: 1 };

const auth = { authorization: `Bearer ${SCALE_ADMIN_KEY}` };

/** One OIP request body: a single row of COMPUTE_WIDTH floats. */
export const COMPUTE_BODY = JSON.stringify({
  inputs: [
    {
      name: 'input',
      datatype: 'FP32',
      shape: [1, COMPUTE_WIDTH],
      data: Array.from({ length: COMPUTE_WIDTH }, (_, i) => ((i * 37) % 100) / 100),
    },
  ],
});

/**
 * Pushes the model (through `base`, version 1), puts COMPUTE_CONFIG on each replica (the config is
 * stored in the shared database, but each replica applies it to its own engine), and warms each
 * replica up with direct requests. Throws on any refusal: the comparison would measure nothing.
 */
export async function setUpComputeModel(base: string, replicas: Replica[]): Promise<{ bytes: number }> {
  const bytes = computeBoundOnnx({ width: COMPUTE_WIDTH, layers: COMPUTE_LAYERS });
  const form = new FormData();
  form.set('file', new Blob([bytes]), `${COMPUTE_MODEL}.onnx`);
  form.set('metadata', JSON.stringify({ description: 'scale run: compute-bound MatMul chain' }));
  const push = await fetch(`${base}/api/models/${COMPUTE_MODEL}/versions`, {
    method: 'POST',
    body: form,
    headers: auth,
  });
  if (push.status !== 201) throw new Error(`push ${COMPUTE_MODEL}: ${push.status} ${await push.text()}`);
  const { version } = (await push.json()) as { version: number };
  for (const r of replicas) {
    const res = await fetch(`${r.url}/api/models/${COMPUTE_MODEL}/versions/${version}/serving-config`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(COMPUTE_CONFIG),
    });
    if (!res.ok) throw new Error(`serving-config on replica ${r.index}: ${res.status} ${await res.text()}`);
    const { effective } = (await res.json()) as { effective: Record<string, unknown> };
    for (const [k, v] of Object.entries(COMPUTE_CONFIG))
      if (effective[k] !== v)
        throw new Error(`replica ${r.index}: ${k} in effect is ${effective[k]}, not ${v}`);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${r.url}/v2/models/${COMPUTE_MODEL}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: COMPUTE_BODY,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`infer on replica ${r.index}: ${res.status} ${text}`);
    }
  }
  return { bytes: bytes.length };
}
