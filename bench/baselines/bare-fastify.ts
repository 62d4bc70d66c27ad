/**
 * The ceiling of our stack, written the naive way: bare Fastify + onnxruntime-node, one session.run
 * per request, no validation beyond a JSON schema, no logging, no metrics.
 * Usage: tsx bench/baselines/bare-fastify.ts PORT MODEL.onnx
 */
import Fastify from 'fastify';
import ort from 'onnxruntime-node';

const [port, modelPath] = [Number(process.argv[2]), process.argv[3]!];
const LABELS = ['setosa', 'versicolor', 'virginica'];
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

const session = await ort.InferenceSession.create(modelPath);
const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.post<{ Body: { inputs: Record<(typeof FEATURES)[number], number> } }>(
  '/api/models/iris/predict',
  async (req) => {
    const row = Float32Array.from(FEATURES, (f) => req.body.inputs[f]);
    const out = await session.run({ input: new ort.Tensor('float32', row, [1, 4]) });
    const probs = Array.from(out.probabilities!.data as Float32Array);
    const best = probs.indexOf(Math.max(...probs));
    return { label: LABELS[best], probabilities: Object.fromEntries(LABELS.map((l, i) => [l, probs[i]])) };
  },
);
await app.listen({ port, host: '127.0.0.1' });
// Exit on SIGTERM through process.exit so --cpu-prof (profiling runs) can write its profile.
process.once('SIGTERM', () => process.exit(0));
