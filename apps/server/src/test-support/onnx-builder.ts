/**
 * ONNX models written in TypeScript, for tests and benchmarks that need a model of a given shape and
 * cost without Python: a small graph builder over a hand-written protobuf encoder for the onnx.proto
 * messages it needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
 * Weights are deterministic pseudo-random (He-scaled, so activations neither explode nor vanish).
 *
 * @example
 * const g = new OnnxGraph();
 * const x = g.input('input', ['batch', 4]);
 * g.output(g.relu(g.dense(x, 4, 3)), 'output', ['batch', 3]);
 * const bytes = g.toBytes();
 */

/** A protobuf message under construction: fields appended in order (the encoding is a concatenation). */
class Writer {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.parts.push(Uint8Array.from(bytes));
  }

  int(field: number, value: number): this {
    this.varint(field * 8);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.varint(field * 8 + 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.varint(field * 8 + 2);
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
type Attribute = number | number[] | { float: number };

/** ValueInfoProto of a float tensor; a string dim is symbolic (dim_param), a number fixed (dim_value). */
function valueInfo(name: string, dims: Array<number | string>): Writer {
  const shape = new Writer();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

export class OnnxGraph {
  private readonly graph = new Writer();
  private readonly inputs: Writer[] = [];
  private readonly outputs: Writer[] = [];
  private readonly initializers: Writer[] = [];
  private counter = 0;
  private state: number;

  constructor(
    private readonly name = 'model',
    seed = 1,
  ) {
    this.state = seed >>> 0 || 1;
  }

  input(name: string, dims: Array<number | string>): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Marks `value` as a graph output named `name` (an Identity node renames it). */
  output(value: string, name: string, dims: Array<number | string>): void {
    this.graph.message(1, this.node('Identity', [value], name));
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float initializer: given values, or He-scaled pseudo-random ones for a layer of `fanIn` inputs. */
  weight(dims: number[], init: Float32Array | { fanIn: number } | 'zeros'): string {
    const name = `w${this.counter++}`;
    const count = dims.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (init instanceof Float32Array) data = init;
    else {
      data = new Float32Array(count);
      if (init !== 'zeros') {
        const scale = Math.sqrt(6 / init.fanIn); // uniform ±scale has variance 2 / fanIn (He)
        for (let i = 0; i < count; i++) data[i] = (this.random() * 2 - 1) * scale;
      }
    }
    const t = new Writer();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT)
      .string(8, name)
      .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** Adds a node; returns its (single) output's name. */
  op(type: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    const out = `t${this.counter++}`;
    this.graph.message(1, this.node(type, inputs, out, attributes));
    return out;
  }

  conv(
    x: string,
    cin: number,
    cout: number,
    kernel: number,
    stride = 1,
    pad = Math.floor(kernel / 2),
  ): string {
    const w = this.weight([cout, cin, kernel, kernel], { fanIn: cin * kernel * kernel });
    const b = this.weight([cout], 'zeros');
    return this.op('Conv', [x, w, b], {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
  }

  relu(x: string): string {
    return this.op('Relu', [x]);
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }

  maxPool(x: string, kernel: number, stride: number, pad: number): string {
    return this.op('MaxPool', [x], {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
  }

  /** [N, C, H, W] → [N, C] by global average pooling. */
  globalPool(x: string): string {
    return this.op('Flatten', [this.op('GlobalAveragePool', [x])], { axis: 1 });
  }

  /** A fully connected layer [N, cin] → [N, cout]. */
  dense(x: string, cin: number, cout: number): string {
    const w = this.weight([cin, cout], { fanIn: cin });
    const b = this.weight([cout], 'zeros');
    return this.op('Gemm', [x, w, b]);
  }

  toBytes(): Uint8Array {
    this.graph.string(2, this.name);
    for (const t of this.initializers) this.graph.message(5, t);
    for (const i of this.inputs) this.graph.message(11, i);
    for (const o of this.outputs) this.graph.message(12, o);
    return new Writer()
      .int(1, 8) // ir_version 8 (onnx 1.10+)
      .string(2, 'modelgarden-test-support') // producer_name
      .message(7, this.graph)
      .message(8, new Writer().string(1, '').int(2, 17)) // opset_import: default domain, opset 17
      .finish();
  }

  private node(
    type: string,
    inputs: string[],
    output: string,
    attributes: Record<string, Attribute> = {},
  ): Writer {
    const w = new Writer();
    for (const i of inputs) w.string(1, i);
    w.string(2, output)
      .string(3, `n${this.counter++}`)
      .string(4, type);
    for (const [name, value] of Object.entries(attributes)) {
      const a = new Writer().string(1, name);
      if (Array.isArray(value)) {
        for (const v of value) a.int(8, v);
        a.int(20, 7); // INTS
      } else if (typeof value === 'number')
        a.int(3, value).int(20, 2); // INT
      else a.float(2, value.float).int(20, 1); // FLOAT
      w.message(5, a);
    }
    return w;
  }

  /** xorshift32 in [0, 1). */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
}

/**
 * ResNet-18's layers at 224×224 (stem, four stages of two basic blocks with residual adds and 1×1
 * downsampling, global pooling, a 1000-way head; batch norm folded away, as onnxruntime would):
 * input "input" [batch, 3, 224, 224], output "logits" [batch, 1000]. About 1.8 GMAC per image.
 */
export function resnet18Onnx(): Uint8Array {
  const g = new OnnxGraph('resnet18');
  let x = g.input('input', ['batch', 3, 224, 224]);
  x = g.maxPool(g.relu(g.conv(x, 3, 64, 7, 2, 3)), 3, 2, 1);
  let cin = 64;
  for (const [cout, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (const s of [stride, 1]) {
      const inner = g.conv(g.relu(g.conv(x, cin, cout, 3, s)), cout, cout, 3);
      const skip = s !== 1 || cin !== cout ? g.conv(x, cin, cout, 1, s, 0) : x;
      x = g.relu(g.add(inner, skip));
      cin = cout;
    }
  }
  g.output(g.dense(g.globalPool(x), 512, 1000), 'logits', ['batch', 1000]);
  return g.toBytes();
}

/**
 * A fully convolutional detector with dynamic spatial dimensions: input "input" [batch, 3, H, W]
 * (any H, W), output "heatmap" [batch, 2, H/8, W/8] — a text-detector-like score map. About 0.6 GMAC
 * at 224×224.
 */
export function detectorOnnx(): Uint8Array {
  const g = new OnnxGraph('detector');
  let x = g.input('input', ['batch', 3, 'height', 'width']);
  x = g.relu(g.conv(x, 3, 32, 3, 2));
  x = g.relu(g.conv(x, 32, 64, 3, 2));
  for (let i = 0; i < 3; i++) x = g.relu(g.conv(x, 64, 64, 3));
  x = g.relu(g.conv(x, 64, 128, 3, 2));
  for (let i = 0; i < 2; i++) x = g.relu(g.conv(x, 128, 128, 3));
  g.output(g.conv(x, 128, 2, 1, 1, 0), 'heatmap', ['batch', 2, 'h8', 'w8']);
  return g.toBytes();
}

/** The wide MLP 256→2048→2048→16 with ReLUs: input "input" [batch, 256], output "logits" [batch, 16]. */
export function wideMlpOnnx(): Uint8Array {
  const g = new OnnxGraph('mlp');
  let x = g.input('input', ['batch', 256]);
  x = g.relu(g.dense(x, 256, 2048));
  x = g.relu(g.dense(x, 2048, 2048));
  g.output(g.dense(x, 2048, 16), 'logits', ['batch', 16]);
  return g.toBytes();
}
