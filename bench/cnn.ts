/**
 * Benchmark 2: a compute-heavy CNN (ResNet-18-shaped, 224×224) served through OIP infer to many
 * concurrent single-image clients, against raw onnxruntime-node in-process at its best batch size
 * (the limit). Binary tensors and JSON tensors are measured side by side.
 */
import { benchModel } from './lib/models.js';
import { rawThroughput } from './lib/raw-ort.js';
import { print, table } from './lib/report.js';
import { pushModel, setServingConfig, startModelGarden } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const CONNECTIONS = 8;
const IMAGE = [3, 224, 224];

export async function runCnn(dir: string): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  print(
    `## 2. Compute-heavy CNN (ResNet-18-shaped, 224×224) vs raw onnxruntime — wrk ${CONNECTIONS} connections, ${seconds} s\n`,
  );
  const model = await benchModel('resnet18');
  if ('skip' in model) {
    print(`Skipped: ${model.skip}\n`);
    return;
  }
  const raw = await rawThroughput(model.path, IMAGE, [1, 4, 8], 4);
  const best = raw.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  print(
    `Raw onnxruntime-node in-process: ${raw.map((r) => `batch ${r.batch} ${r.rowsPerSecond.toFixed(1)} img/s`).join(', ')}; the limit is ${best.rowsPerSecond.toFixed(1)} img/s (batch ${best.batch})\n`,
  );

  const server = await startModelGarden(dir);
  try {
    await pushModel(server, 'resnet18', model.path, { task: 'tensor' });
    await setServingConfig(server, 'resnet18', {
      maxBatchSize: best.batch,
      maxQueue: 256,
      timeoutMs: 60_000,
    });
    const pixels = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => (i % 255) / 255);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [1, ...IMAGE],
            parameters: { binary_data_size: pixels.byteLength },
          },
        ],
        outputs: [{ name: 'logits', parameters: { binary_data: true } }],
      }),
    );
    const url = `${server.url}/v2/models/resnet18/infer`;
    const binaryBody = Buffer.concat([header, Buffer.from(pixels.buffer)]);
    const binaryRun = {
      url,
      body: binaryBody,
      connections: CONNECTIONS,
      workDir: dir,
      contentType: 'application/octet-stream',
      header: `Inference-Header-Content-Length:${header.length}`,
    };
    await wrk({ ...binaryRun, seconds: 3 });
    const binary = await wrk({ ...binaryRun, seconds });
    const jsonBody = JSON.stringify({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, ...IMAGE], data: Array.from(pixels) }],
    });
    const json = await wrk({ url, body: jsonBody, connections: CONNECTIONS, workDir: dir, seconds });
    print(
      table([
        ['Model Garden OIP, binary tensors', binary],
        ['Model Garden OIP, JSON tensors', json],
      ]),
    );
    print(
      `\nServed (binary) / limit: ${((binary.rps / best.rowsPerSecond) * 100).toFixed(0)} % (target ≥ 85 %); JSON tensors: ${((json.rps / best.rowsPerSecond) * 100).toFixed(0)} %. JPEG uploads to the friendly endpoint: not measured yet.\n`,
    );
  } finally {
    await server.stop();
  }
}
