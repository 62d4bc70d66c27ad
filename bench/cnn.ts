/**
 * Benchmark 2: serving at the defaults (which the engine tunes) against the best of a few
 * hand-picked serving configs and raw onnxruntime-node in-process at its best batch, for three model
 * shapes — a ResNet-18-shaped CNN and a detector with dynamic spatial dimensions to 32 single-image
 * clients over binary tensors, and the wide MLP to 64 JSON clients; then the CNN with JSON tensors and
 * JPEG uploads. BENCH_SHAPES=resnet18,detector,mlp picks shapes; BENCH_CNN_EXTRAS=0 skips the last part.
 */
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ImagePreprocessing } from '../apps/server/src/registry/types.js';
import { preprocessImage } from '../apps/server/src/serving/image-preprocess.js';
import { defaultsVsPicked, report, type ShapeUnderTest } from './lib/defaults-vs-picked.js';
import { benchModel, binaryInfer, MLP_INFER_BODY } from './lib/models.js';
import { print, table } from './lib/report.js';
import { pushModel, startModelGarden } from './lib/servers.js';
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

/** Hand-picked configs for a compute-heavy model on this machine (2 cores): the grid issue 17 searched. */
const HEAVY_PICKS = [
  {
    label: 'worker, 2 instances × 1 thread, batch 1',
    config: { executor: 'worker', instances: 2, intraOpThreads: 1, maxBatchSize: 1 },
  },
  {
    label: 'worker, 2 instances × 1 thread, batch 2',
    config: { executor: 'worker', instances: 2, intraOpThreads: 1, maxBatchSize: 2 },
  },
  {
    label: 'worker, 1 instance × 2 threads, batch 4',
    config: { executor: 'worker', instances: 1, intraOpThreads: 2, maxBatchSize: 4 },
  },
  {
    label: 'inline, 1 × default threads, batch 4 (the old default engine, batch 4)',
    config: { maxBatchSize: 4, executor: 'inline', instances: 1, intraOpThreads: 0 },
  },
];

export async function runCnn(dir: string): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  print(
    `## 2. Defaults vs best hand-picked config vs raw onnxruntime — three model shapes, ${seconds} s per measurement\n`,
  );
  const [resnet, detector, mlp] = await Promise.all([
    benchModel('resnet18'),
    benchModel('detector'),
    benchModel('mlp'),
  ]);
  if ('skip' in resnet || 'skip' in detector || 'skip' in mlp) {
    print('Skipped: a benchmark model could not be made\n');
    return;
  }
  const shapes: ShapeUnderTest[] = [
    {
      name: 'resnet18',
      title: 'ResNet-18 (224×224), OIP binary tensors, 32 single-image clients',
      modelPath: resnet.path,
      metadata: { task: 'tensor' },
      request: { ...binaryInfer([1, ...IMAGE], 'logits'), connections: 32 },
      rowShape: IMAGE,
      rawBatches: [1, 2, 4, 8],
      handPicked: HEAVY_PICKS,
    },
    {
      name: 'detector',
      title:
        'Fully convolutional detector, dynamic H×W (sent 224×224, no preprocessing config), OIP binary, 32 clients',
      modelPath: detector.path,
      metadata: { task: 'tensor' },
      request: { ...binaryInfer([1, ...IMAGE], 'heatmap'), connections: 32 },
      rowShape: IMAGE,
      rawBatches: [1, 2, 4, 8],
      handPicked: HEAVY_PICKS,
    },
    {
      name: 'mlp',
      title: 'Wide MLP (256→2048→2048→16), OIP JSON tensors, 64 clients',
      modelPath: mlp.path,
      metadata: { task: 'tensor' },
      request: { body: MLP_INFER_BODY, connections: 64 },
      rowShape: [256],
      rawBatches: [1, 8, 32],
      handPicked: [
        { label: 'inline, batch 32', config: { executor: 'inline', maxBatchSize: 32 } },
        {
          label: 'inline, 1 thread, batch 32',
          config: { executor: 'inline', maxBatchSize: 32, intraOpThreads: 1 },
        },
        {
          label: 'worker, 1 × 2 threads, batch 32',
          config: { executor: 'worker', instances: 1, intraOpThreads: 2, maxBatchSize: 32 },
        },
        {
          label: 'worker, 2 × 1 thread, batch 16',
          config: { executor: 'worker', instances: 2, intraOpThreads: 1, maxBatchSize: 16 },
        },
      ],
    },
  ];
  const only = process.env.BENCH_SHAPES?.split(',');
  const server = await startModelGarden(dir);
  try {
    for (const shape of shapes) {
      if (only && !only.includes(shape.name)) continue;
      report(shape, await defaultsVsPicked(server, shape, seconds, dir));
    }
    if (process.env.BENCH_CNN_EXTRAS === '0') return;
    print('### JSON tensors and JPEG uploads, ResNet-18 at the defaults, 8 clients\n');
    const url = `${server.url}/v2/models/resnet18/infer`;
    const { pixels } = binaryInfer([1, ...IMAGE], 'logits');
    const jsonBody = JSON.stringify({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, ...IMAGE], data: Array.from(pixels) }],
    });
    const json = await wrk({ url, body: jsonBody, connections: CONNECTIONS, workDir: dir, seconds });
    const model = resnet;
    // JPEG uploads to the friendly endpoint: multipart, decoded and preprocessed by the server.
    const jpeg = await photoJpeg();
    await pushModel(server, 'resnet18-photos', model.path, {
      task: 'image-classification',
      preprocessing: PREPROCESSING,
      labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
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
    const jpegLimit = await rawJpegThroughput(model.path, jpeg, 4, 4);
    print(
      table([
        ['Model Garden OIP, JSON tensors', json],
        [
          `Model Garden predict, ${(jpeg.length / 1024).toFixed(0)} KB 640×480 JPEG uploads (multipart)`,
          uploads,
        ],
      ]),
    );
    const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
    print(
      `\nJPEG uploads: ${uploads.rps.toFixed(1)} img/s vs in-process decode + preprocess + inference at batch 4: ${jpegLimit.toFixed(1)} img/s (${pct(uploads.rps, jpegLimit)}).\n`,
    );
  } finally {
    await server.stop();
  }
}
