/**
 * A compute-bound ONNX model written without Python: a hand-written protobuf encoder for the few
 * onnx.proto messages it needs (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
 *
 * The graph: input "input" float32 [batch, width] → `layers` × (MatMul by one shared width×width
 * initializer, then Abs) → MatMul by a width×4 head → output "output" float32 [batch, 4].
 * The shared matrix is a Walsh–Hadamard matrix scaled by 1/√width: orthogonal and dense, so every
 * layer does the full width² multiply-adds while Abs keeps the row's norm exactly (no overflow, no
 * decay into denormals, which would slow the arithmetic down). One shared matrix (1 MiB at width
 * 512) stays in the core's cache, so a row costs arithmetic, not memory traffic, and the file is small.
 */

/** A protobuf message under construction: fields appended in order (the encoding is a concatenation). */
class Writer {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // int64 negatives take ten bytes, two's complement
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: 0 | 2): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Writer): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

// Field numbers from onnx.proto.
function tensor(name: string, dims: number[], data: Float32Array): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d); // dims
  return w
    .int(2, FLOAT) // data_type
    .string(8, name) // name
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // raw_data (little-endian)
}

/** ValueInfoProto of a float tensor; a string dim is symbolic (dim_param), a number fixed (dim_value). */
function valueInfo(name: string, dims: Array<number | string>): Writer {
  const shape = new Writer();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

function node(op: string, inputs: string[], output: string, name: string): Writer {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  return w.string(2, output).string(3, name).string(4, op);
}

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
  const graph = new Writer();
  let last = 'input';
  for (let l = 0; l < layers; l++) {
    graph.message(1, node('MatMul', [last, 'W'], `mm${l}`, `matmul${l}`));
    graph.message(1, node('Abs', [`mm${l}`], `h${l}`, `abs${l}`));
    last = `h${l}`;
  }
  graph.message(1, node('MatMul', [last, 'head'], 'output', 'head'));
  graph
    .string(2, `compute_${layers}x${width}`) // name
    .message(5, tensor('W', [width, width], hadamard(width))) // initializer
    .message(5, tensor('head', [width, 4], head))
    .message(11, valueInfo('input', ['batch', width])) // input
    .message(12, valueInfo('output', ['batch', 4])); // output
  return new Writer()
    .int(1, 8) // ir_version 8 (onnx 1.10+)
    .string(2, 'modelgarden-scale') // producer_name
    .message(7, graph) // graph
    .message(8, new Writer().string(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .finish();
}
