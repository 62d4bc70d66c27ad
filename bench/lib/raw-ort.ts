/** In-process onnxruntime-node throughput at a given batch size: the physical limit of a model here. */
import ort from 'onnxruntime-node';

export interface RawResult {
  batch: number;
  rowsPerSecond: number;
  msPerCall: number;
}

/** Runs the model back to back for `seconds` at each batch size; input is random floats. */
export async function rawThroughput(
  modelPath: string,
  rowShape: number[],
  batches: number[],
  seconds: number,
  makeInput?: (batch: number) => Float32Array,
): Promise<RawResult[]> {
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  const inputName = session.inputNames[0]!;
  const perRow = rowShape.reduce((a, b) => a * b, 1);
  const results: RawResult[] = [];
  for (const batch of batches) {
    const data = makeInput?.(batch) ?? Float32Array.from({ length: batch * perRow }, () => Math.random());
    const feeds = { [inputName]: new ort.Tensor('float32', data, [batch, ...rowShape]) };
    await session.run(feeds); // warm-up
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      if (makeInput) feeds[inputName] = new ort.Tensor('float32', makeInput(batch), [batch, ...rowShape]);
      await session.run(feeds);
      calls++;
    }
    const ms = performance.now() - start;
    results.push({ batch, rowsPerSecond: (calls * batch * 1000) / ms, msPerCall: ms / calls });
  }
  await session.release();
  return results;
}
