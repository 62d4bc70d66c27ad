/**
 * Checks a model file before onnxruntime sees it: it must be a well-formed ONNX ModelProto, not a
 * pickle or another format, and no tensor may keep its data outside the file (external data).
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import { foreignFormatOf } from './model-file-sniff.js';
import { fields, text, type WireField, WireFormatError } from './protobuf-wire.js';

/** Subgraphs (If/Loop/Scan bodies) nested deeper than this are refused. */
export const MAX_GRAPH_NESTING = 32;

const HOW_TO_EXPORT = 'export it with torch.onnx.export, tf2onnx or skl2onnx and upload the .onnx file';

function invalid(message: string, reason: string): ModelGardenError {
  return new ModelGardenError('INVALID_MODEL_FILE', message, { details: { reason } });
}

/** Keeps names from a hostile file short and printable inside our messages. */
function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

function expectMessage(f: WireField, what: string): void {
  if (f.wireType !== 2) throw new WireFormatError(`${what} has wire type ${f.wireType}`);
}

// Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, …).
function checkTensor(buf: Uint8Array, t: WireField): void {
  let name = '';
  let external = false;
  const locations: string[] = [];
  for (const f of fields(buf, t.start, t.end)) {
    if (f.field === 8 && f.wireType === 2) name = text(buf, f);
    else if (f.field === 14 && f.wireType === 0 && f.varint === 1) external = true;
    else if (f.field === 13) {
      expectMessage(f, 'external_data');
      external = true;
      let key = '';
      let value = '';
      for (const kv of fields(buf, f.start, f.end)) {
        if (kv.field === 1 && kv.wireType === 2) key = text(buf, kv);
        if (kv.field === 2 && kv.wireType === 2) value = text(buf, kv);
      }
      if (key === 'location') locations.push(value);
    }
  }
  if (!external) return;
  const where = locations[0];
  const escapes =
    where !== undefined && (/(^|[\\/])\.\.([\\/]|$)/.test(where) || /^([\\/]|[a-zA-Z]:)/.test(where));
  throw invalid(
    `Tensor "${printable(name)}" keeps its data in an external file` +
      (where === undefined ? '' : ` ("${printable(where)}"${escapes ? ', a path outside the model' : ''})`) +
      '. Model Garden stores one self-contained file per model and refuses external data: save the model ' +
      'with its weights inside (onnx.save_model(model, path, save_as_external_data=False)).',
    'external-data',
  );
}

function checkSparseTensor(buf: Uint8Array, s: WireField): void {
  for (const f of fields(buf, s.start, s.end)) {
    if (f.field === 1 || f.field === 2) {
      expectMessage(f, 'sparse tensor part');
      checkTensor(buf, f);
    }
  }
}

function checkAttribute(buf: Uint8Array, a: WireField, depth: number): void {
  for (const f of fields(buf, a.start, a.end)) {
    if (f.field === 5 || f.field === 10) {
      expectMessage(f, 'attribute tensor');
      checkTensor(buf, f);
    } else if (f.field === 6 || f.field === 11) {
      expectMessage(f, 'attribute graph');
      checkGraph(buf, f, depth + 1);
    } else if (f.field === 22 || f.field === 23) {
      expectMessage(f, 'attribute sparse tensor');
      checkSparseTensor(buf, f);
    }
  }
}

function checkNode(buf: Uint8Array, n: WireField, depth: number): void {
  for (const f of fields(buf, n.start, n.end)) {
    if (f.field === 5) {
      expectMessage(f, 'node attribute');
      checkAttribute(buf, f, depth);
    }
  }
}

function checkGraph(buf: Uint8Array, g: WireField, depth: number): void {
  if (depth > MAX_GRAPH_NESTING) throw new WireFormatError(`subgraphs nest deeper than ${MAX_GRAPH_NESTING}`);
  for (const f of fields(buf, g.start, g.end)) {
    if (f.field === 1) {
      expectMessage(f, 'graph node');
      checkNode(buf, f, depth);
    } else if (f.field === 5) {
      expectMessage(f, 'graph initializer');
      checkTensor(buf, f);
    } else if (f.field === 15) {
      expectMessage(f, 'graph sparse initializer');
      checkSparseTensor(buf, f);
    }
  }
}

function checkModel(buf: Uint8Array): void {
  let irVersion = 0;
  let graphs = 0;
  for (const f of fields(buf)) {
    if (f.field === 1) {
      if (f.wireType !== 0) throw new WireFormatError('ir_version is not an integer');
      irVersion = f.varint;
    } else if (f.field === 7) {
      expectMessage(f, 'graph');
      graphs++;
      checkGraph(buf, f, 0);
    } else if (f.field === 20) {
      expectMessage(f, 'training_info');
      for (const t of fields(buf, f.start, f.end)) {
        if (t.field === 1 || t.field === 2) {
          expectMessage(t, 'training graph');
          checkGraph(buf, t, 0);
        }
      }
    } else if (f.field === 25) {
      expectMessage(f, 'function');
      for (const n of fields(buf, f.start, f.end)) {
        if (n.field === 7) {
          expectMessage(n, 'function node');
          checkNode(buf, n, 0);
        }
      }
    }
  }
  if (irVersion < 1 || irVersion > 1000) throw new WireFormatError('no valid ir_version');
  if (graphs === 0) throw new WireFormatError('no graph');
}

/**
 * Refuses anything but a self-contained ONNX model with INVALID_MODEL_FILE (422), before any parser
 * with native code reads it.
 * @example assertOnnxModel(await readFile('model.onnx')); // throws for a pickle, a zip, truncated bytes
 */
export function assertOnnxModel(bytes: Uint8Array): void {
  if (bytes.length === 0) throw invalid('The file is empty; upload an ONNX model', 'empty');
  const foreign = foreignFormatOf(bytes);
  if (foreign) {
    throw invalid(`The file is ${foreign}, not an ONNX model; ${HOW_TO_EXPORT}`, 'not-onnx');
  }
  try {
    checkModel(bytes);
  } catch (err) {
    if (!(err instanceof WireFormatError)) throw err;
    throw invalid(`The file is not a well-formed ONNX model (${err.message}); ${HOW_TO_EXPORT}`, 'malformed');
  }
}
