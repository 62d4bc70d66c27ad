/**
 * Benchmark 3: the batching gain on a wide MLP, where batching pays in raw onnxruntime; 64 concurrent
 * OIP clients with dynamic batching on (maxBatchSize 32) and off (maxBatchSize 1).
 */
import { benchModel, MLP_INFER_BODY } from './lib/models.js';
import { rawThroughput } from './lib/raw-ort.js';
import { print, ratio, table } from './lib/report.js';
import { pushModel, setServingConfig, startModelGarden } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const CONNECTIONS = 64;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);

export async function runBatching(dir: string): Promise<void> {
  print(
    `## 3. Batching gain — wide MLP (256→2048→2048→16), OIP infer, wrk ${CONNECTIONS} connections, ${seconds()} s\n`,
  );
  const model = await benchModel('mlp');
  if ('skip' in model) {
    print(`Skipped: ${model.skip}\n`);
    return;
  }
  const [one, thirtyTwo] = await rawThroughput(model.path, [256], [1, 32], 3);
  print(
    `Raw onnxruntime-node in-process: batch 1 ${one!.rowsPerSecond.toFixed(0)} rows/s, batch 32 ${thirtyTwo!.rowsPerSecond.toFixed(0)} rows/s (${ratio(thirtyTwo!.rowsPerSecond, one!.rowsPerSecond)}; batching pays when ≥ 3×)\n`,
  );
  const server = await startModelGarden(dir);
  try {
    await pushModel(server, 'mlp', model.path, { task: 'tensor' });
    const body = MLP_INFER_BODY;
    const url = `${server.url}/v2/models/mlp/infer`;
    const run = async (config: object) => {
      await setServingConfig(server, 'mlp', config);
      await wrk({ url, body, connections: CONNECTIONS, seconds: 2, workDir: dir });
      return wrk({ url, body, connections: CONNECTIONS, seconds: seconds(), workDir: dir });
    };
    const off = await run({ maxBatchSize: 1, maxQueue: 1024 });
    const on = await run({ maxBatchSize: 32, maxQueue: 1024 });
    print(
      table([
        ['Model Garden, batching off (maxBatchSize 1)', off],
        ['Model Garden, batching on (maxBatchSize 32)', on],
      ]),
    );
    print(
      `\nBatching on / off: ${ratio(on.rps, off.rps)} req/s (target ≥ 2×); p99 ${on.p99.toFixed(2)} ms vs ${off.p99.toFixed(2)} ms (target: no worse)\n`,
    );
  } finally {
    await server.stop();
  }
}
