/** Worker-thread instances: same answers as an in-thread session, coded errors, clean release. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../registry/types.js';
import { IRIS_ONNX } from '../test-support/test-server.js';
import { onnxRunner } from './onnx-runner.js';
import { openSession } from './onnx-session.js';
import type { DecodedTensor } from './tensor-codec.js';
import { type EngineInstance, startWorkerInstance } from './worker-instance.js';

let bytes: Uint8Array;
let version: ModelVersion;
let instance: EngineInstance;

const rows = (n: number, seed: number): DecodedTensor[] => [
  {
    name: 'input',
    datatype: 'FP32',
    shape: [n, 4],
    data: Float32Array.from({ length: n * 4 }, (_, i) => ((seed * 7 + i * 3) % 70) / 10 + 1),
  },
];

beforeAll(async () => {
  bytes = new Uint8Array(await readFile(IRIS_ONNX));
  const { session, inputs, outputs } = await openSession(bytes);
  await session.release();
  version = { model: 'iris', version: 1, inputs, outputs } as ModelVersion;
  instance = await startWorkerInstance(bytes, {}, version);
});
afterAll(() => instance?.release());

describe('worker-thread instance', () => {
  it('answers exactly what an in-thread session answers, for concurrent mixed batches', async () => {
    const { session } = await openSession(bytes);
    const inline = onnxRunner(session, version.outputs);
    const names = version.outputs.map((o) => o.name);
    const cases = Array.from({ length: 20 }, (_, i) => rows(1 + (i % 5), i));
    const fromWorker = await Promise.all(cases.map((c) => instance.run(c, names)));
    for (const [i, c] of cases.entries()) {
      const expected = await inline(c, names);
      expect(fromWorker[i]!.map((o) => o.shape)).toEqual(expected.map((o) => o.shape));
      expect(fromWorker[i]!.map((o) => Array.from(o.data as Float32Array))).toEqual(
        expected.map((o) => Array.from(o.data as Float32Array)),
      );
    }
    await session.release();
  });

  it('leaves the caller its input buffers (they are copied, not moved)', async () => {
    const input = rows(2, 3);
    const before = Array.from(input[0]!.data as Float32Array);
    await instance.run(input, [version.outputs[0]!.name]);
    expect(Array.from(input[0]!.data as Float32Array)).toEqual(before);
  });

  it('turns a run onnxruntime rejects into INVALID_INPUT and keeps serving', async () => {
    const bad: DecodedTensor[] = [
      { name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) },
    ];
    await expect(instance.run(bad, [version.outputs[0]!.name])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const ok = await instance.run(rows(1, 1), [version.outputs[0]!.name]);
    expect(ok[0]!.shape[0]).toBe(1);
  });

  it('fails to start with a coded error on bytes onnxruntime cannot open', async () => {
    await expect(startWorkerInstance(new Uint8Array([8, 1, 18, 0]), {}, version)).rejects.toMatchObject({
      code: 'INVALID_MODEL_FILE',
    });
  });

  it('releases its session and thread; later runs are refused', async () => {
    const other = await startWorkerInstance(bytes, {}, version);
    await other.release();
    await expect(other.run(rows(1, 1), [version.outputs[0]!.name])).rejects.toMatchObject({
      code: 'MODEL_NOT_READY',
    });
  });
});
