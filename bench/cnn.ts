/**
 * Benchmark 2: a compute-heavy CNN (ResNet-18-shaped, 224×224) served through OIP infer to many
 * concurrent single-image clients, against raw onnxruntime-node in-process at its best batch size
 * (the limit). Binary tensors and JSON tensors are measured side by side.
 */
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ImagePreprocessing } from '../apps/server/src/registry/types.js';
import { preprocessImage } from '../apps/server/src/serving/image-preprocess.js';
import { benchModel } from './lib/models.js';
import { rawThroughput } from './lib/raw-ort.js';
import { print, table } from './lib/report.js';
import { pushModel, setServingConfig, startModelGarden } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const CONNECTIONS = 8;
const IMAGE = [3, 224, 224];
const PREPROCESSING: ImagePreprocessing = {
  type: 'image',
  width: 224,
  height: 224,
  channels: 3,
  layout: 'NCHW',
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  invert: false,
  cropToContent: false,
};
const BOUNDARY = 'modelgardenbenchboundary0123456789';

/** A 640×480 photo-like JPEG (smooth gradients plus texture), as a camera upload would be. */
async function photoJpeg(): Promise<Buffer> {
  const [w, h] = [640, 480];
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      raw[i] = (x * 255) / w;
      raw[i + 1] = (y * 255) / h;
      raw[i + 2] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11);
    }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * The in-process limit for JPEG uploads: decode + preprocess (the server's own sharp pipeline) a
 * batch of images concurrently, then one onnxruntime call, back to back for `seconds`.
 */
async function rawJpegThroughput(modelPath: string, jpeg: Buffer, batch: number, seconds: number) {
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  const perImage = 3 * 224 * 224;
  const once = async () => {
    const data = new Float32Array(batch * perImage);
    await Promise.all(
      Array.from({ length: batch }, (_, i) => preprocessImage(jpeg, PREPROCESSING, data, i * perImage)),
    );
    await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [batch, ...IMAGE]) });
  };
  await once();
  let images = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await once();
    images += batch;
  }
  const perSecond = (images * 1000) / (performance.now() - start);
  await session.release();
  return perSecond;
}

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
    // The same model in worker threads (one instance): the event loop parses the next requests while
    // onnxruntime computes.
    await setServingConfig(server, 'resnet18', {
      maxBatchSize: best.batch,
      maxQueue: 256,
      timeoutMs: 60_000,
      executor: 'worker',
    });
    await wrk({ ...binaryRun, seconds: 2 });
    const binaryWorker = await wrk({ ...binaryRun, seconds });

    // JPEG uploads to the friendly endpoint: multipart, decoded and preprocessed by the server.
    const jpeg = await photoJpeg();
    await pushModel(server, 'resnet18-photos', model.path, {
      task: 'image-classification',
      preprocessing: PREPROCESSING,
      labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
    });
    await setServingConfig(server, 'resnet18-photos', {
      maxBatchSize: best.batch,
      maxQueue: 256,
      timeoutMs: 60_000,
    });
    const multipart = Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      jpeg,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const jpegRun = {
      url: `${server.url}/api/models/resnet18-photos/predict?topK=1`,
      body: multipart,
      connections: CONNECTIONS,
      workDir: dir,
      contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    };
    await wrk({ ...jpegRun, seconds: 2 });
    const uploads = await wrk({ ...jpegRun, seconds });
    const jpegLimit = await rawJpegThroughput(model.path, jpeg, best.batch, 4);
    print(
      table([
        ['Model Garden OIP, binary tensors', binary],
        ['Model Garden OIP, binary tensors, executor worker', binaryWorker],
        ['Model Garden OIP, JSON tensors', json],
        [
          `Model Garden predict, ${(jpeg.length / 1024).toFixed(0)} KB 640×480 JPEG uploads (multipart)`,
          uploads,
        ],
      ]),
    );
    const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
    print(
      `\nServed (binary) / limit: ${pct(binary.rps, best.rowsPerSecond)} (target ≥ 85 %); executor worker: ${pct(binaryWorker.rps, best.rowsPerSecond)}; JSON tensors: ${pct(json.rps, best.rowsPerSecond)}.`,
    );
    print(
      `JPEG uploads: ${uploads.rps.toFixed(1)} img/s vs in-process decode + preprocess + inference at batch ${best.batch}: ${jpegLimit.toFixed(1)} img/s (${pct(uploads.rps, jpegLimit)}).\n`,
    );
  } finally {
    await server.stop();
  }
}
