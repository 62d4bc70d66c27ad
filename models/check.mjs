// Smoke test of the exported demo models with onnxruntime-node (no Python needed).
// Usage: node models/check.mjs
// Prints the model signatures, the iris example row and the digit sample predictions;
// exits 1 when an expected prediction is wrong.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
let failures = 0;

function signature(session) {
  const fmt = (m) => `${m.name} ${m.type} [${m.shape.join(', ')}]`;
  const meta = (names, all) =>
    names.map((n) => all.find((m) => m.name === n) ?? { name: n, type: '?', shape: [] });
  return `in: ${meta(session.inputNames, session.inputMetadata).map(fmt).join('; ')} | out: ${meta(session.outputNames, session.outputMetadata).map(fmt).join('; ')}`;
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function expect(name, got, want, prob) {
  const ok = got === want;
  if (!ok) failures++;
  console.log(
    `  ${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(28)} -> ${got} (p=${prob.toFixed(3)})${ok ? '' : `, expected ${want}`}`,
  );
}

// ---- iris
{
  const session = await ort.InferenceSession.create(join(here, 'iris/iris.onnx'));
  const labels = ['setosa', 'versicolor', 'virginica'];
  console.log(`iris   ${signature(session)}`);
  const rows = [
    { name: '5.1,3.5,1.4,0.2', x: [5.1, 3.5, 1.4, 0.2], want: 'setosa' },
    { name: '6.0,2.7,5.1,1.6', x: [6.0, 2.7, 5.1, 1.6], want: 'versicolor' },
    { name: '6.7,3.0,5.2,2.3', x: [6.7, 3.0, 5.2, 2.3], want: 'virginica' },
  ];
  // one batched call, to check the dynamic batch axis
  const input = new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => r.x)), [rows.length, 4]);
  const { probabilities } = await session.run({ input });
  rows.forEach((r, i) => {
    const p = Array.from(probabilities.data.slice(i * 3, i * 3 + 3));
    expect(r.name, labels[argmax(p)], r.want, Math.max(...p));
  });
}

// ---- digits: same preprocessing as the server (grayscale, trim, centre in a square with a margin, 8x8, /255)
async function preprocess(file, margin) {
  const trimmed = await sharp(file)
    .flatten({ background: '#000' })
    .grayscale()
    .trim()
    .png()
    .toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = trimmed.info;
  const side = Math.max(w, h);
  const total = side + 2 * Math.round(side * margin);
  const top = Math.floor((total - h) / 2);
  const left = Math.floor((total - w) / 2);
  const square = await sharp(trimmed.data)
    .extend({ top, left, bottom: total - h - top, right: total - w - left, background: '#000' })
    .png()
    .toBuffer();
  const { data, info } = await sharp(square)
    .resize(8, 8)
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== 64)
    throw new Error(`unexpected raw output ${JSON.stringify(info)}`);
  return Float32Array.from(data, (v) => v / 255);
}

{
  const session = await ort.InferenceSession.create(join(here, 'digits/digits.onnx'));
  console.log(`digits ${signature(session)}`);
  const dir = join(here, 'digits/samples');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  for (const margin of [0, 0.1, 0.2]) {
    console.log(`  margin ${margin} of the content size on each side:`);
    const batch = new Float32Array(files.length * 64);
    for (const [i, f] of files.entries()) batch.set(await preprocess(join(dir, f), margin), i * 64);
    const image = new ort.Tensor('float32', batch, [files.length, 1, 8, 8]);
    const { probabilities } = await session.run({ image });
    files.forEach((f, i) => {
      const p = Array.from(probabilities.data.slice(i * 10, i * 10 + 10));
      expect(f, String(argmax(p)), f.match(/^(?:digit|drawn)-(\d)/)[1], Math.max(...p));
    });
  }
}

console.log(failures ? `${failures} failure(s)` : 'all predictions as expected');
process.exit(failures ? 1 : 0);
