/**
 * A compute-bound ONNX model written without Python, with the graph builder the server's tests use
 * (apps/server/src/test-support/onnx-builder.ts).
 *
 * The graph: input "input" float32 [batch, width] → `layers` × (MatMul by one shared width×width
 * initializer, then Abs) → MatMul by a width×4 head → output "output" float32 [batch, 4].
 * The shared matrix is a Walsh–Hadamard matrix scaled by 1/√width: orthogonal and dense, so every
 * layer does the full width² multiply-adds while Abs keeps the row's norm exactly (no overflow, no
 * decay into denormals, which would slow the arithmetic down). One shared matrix (1 MiB at width
 * 512) stays in the core's cache, so a row costs arithmetic, not memory traffic, and the file is small.
 */
import { OnnxGraph } from '../../apps/server/src/test-support/onnx-builder.js';

/** Sylvester's construction: H(2n) = [[H, H], [H, −H]]; entries ±1/√n. `n` must be a power of two. */
function hadamard(n: number): Float32Array {
  const m = new Float32Array(n * n);
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      // (−1)^popcount(i & j)
      let bits = i & j;
      let sign = 1;
      while (bits) {
        sign = -sign;
        bits &= bits - 1;
      }
      m[i * n + j] = sign * scale;
    }
  return m;
}

export interface ComputeModelOptions {
  /** Row width; a power of two. */
  width?: number;
  /** MatMul+Abs layers: the per-row cost grows linearly with it (about width² multiply-adds each). */
  layers?: number;
}

/** The model's bytes (an .onnx file), input "input" [batch, width], output "output" [batch, 4]. */
export function computeBoundOnnx({ width = 512, layers = 64 }: ComputeModelOptions = {}): Uint8Array {
  if (width < 4 || (width & (width - 1)) !== 0) throw new Error('width must be a power of two ≥ 4');
  const head = new Float32Array(width * 4);
  for (let i = 0; i < head.length; i++) head[i] = ((i % 7) - 3) / (3 * Math.sqrt(width));
  const g = new OnnxGraph(`compute_${layers}x${width}`);
  const w = g.weight([width, width], hadamard(width));
  let last = g.input('input', ['batch', width]);
  for (let l = 0; l < layers; l++) last = g.op('Abs', [g.op('MatMul', [last, w])]);
  g.output(g.op('MatMul', [last, g.weight([width, 4], head)]), 'output', ['batch', 4]);
  return g.toBytes();
}
