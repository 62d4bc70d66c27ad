/**
 * The benchmark models, written on demand into bench/out/ by the TypeScript ONNX builder
 * (apps/server/src/test-support/onnx-builder.ts: no Python or torch needed). The Python baseline
 * (FastAPI) still uses Debian's python3.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { detectorOnnx, resnet18Onnx, wideMlpOnnx } from '../../apps/server/src/test-support/onnx-builder.js';

const run = promisify(execFile);
export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const OUT = path.join(REPO, 'bench', 'out');
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

const BUILDERS = { mlp: wideMlpOnnx, resnet18: resnet18Onnx, detector: detectorOnnx } as const;

/** Path of a benchmark model, writing it first if needed. */
export async function benchModel(name: keyof typeof BUILDERS): Promise<{ path: string } | { skip: string }> {
  const file = path.join(OUT, `${name}-ts.onnx`);
  if (existsSync(file)) return { path: file };
  await mkdir(OUT, { recursive: true });
  await writeFile(file, BUILDERS[name]());
  return { path: file };
}

/** One friendly iris prediction, as benchmark 1 and the A/B tool (bench/ab.ts) send it. */
export const IRIS_PREDICT_BODY = JSON.stringify({
  inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
});

/** One OIP infer request for the wide MLP (one row of 256 floats), as benchmarks 3 and 4 send it. */
export const MLP_INFER_BODY = JSON.stringify({
  inputs: [
    {
      name: 'input',
      datatype: 'FP32',
      shape: [1, 256],
      data: Array.from({ length: 256 }, (_, i) => (i % 17) / 17),
    },
  ],
});

/** An OIP infer body with one FP32 input as binary tensor data after the JSON header. */
export function binaryInfer(shape: number[], output: string) {
  const count = shape.reduce((a, b) => a * b, 1);
  const pixels = Float32Array.from({ length: count }, (_, i) => (i % 255) / 255);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'input', datatype: 'FP32', shape, parameters: { binary_data_size: pixels.byteLength } },
      ],
      outputs: [{ name: output, parameters: { binary_data: true } }],
    }),
  );
  return {
    pixels,
    body: Buffer.concat([header, Buffer.from(pixels.buffer)]),
    contentType: 'application/octet-stream',
    header: `Inference-Header-Content-Length:${header.length}`,
  };
}

/** Whether a Python with these modules exists; the reason when not. */
export async function pythonHas(modules: string[]): Promise<string | null> {
  try {
    await run(PYTHON, ['-c', `import ${modules.join(', ')}`]);
    return null;
  } catch (err) {
    return `${PYTHON} cannot import ${modules.join(', ')} (${(err as Error).message.split('\n').at(-2) ?? 'missing'}); apt-get install -y python3-fastapi python3-uvicorn python3-sklearn`;
  }
}
