/** Hostile and broken files made in code for the security tests: ONNX with external data, pickles, bombs. */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { IRIS_ONNX } from './test-server.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited protobuf field. */
export function pbMessage(field: number, payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.concat([varint(field * 8 + 2), varint(body.length), body]);
}

export function pbVarint(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)]);
}

/** An ONNX TensorProto (float, 1 element) whose data lives in an external file at `location`. */
export function externalTensor(name: string, location: string): Buffer {
  return Buffer.concat([
    pbVarint(1, 1), // dims
    pbVarint(2, 1), // data_type FLOAT
    pbMessage(8, name),
    pbMessage(13, Buffer.concat([pbMessage(1, 'location'), pbMessage(2, location)])),
    pbVarint(14, 1), // data_location EXTERNAL
  ]);
}

export const irisBytes = () => readFileSync(IRIS_ONNX);

/**
 * iris.onnx plus an initializer that reads `location`: protobuf merges a repeated message field
 * appended at the end into the graph, so this is the real model with one hostile tensor added.
 */
export function irisWithExternalData(location = '../../etc/passwd'): Buffer {
  return Buffer.concat([irisBytes(), pbMessage(7, pbMessage(5, externalTensor('evil', location)))]);
}

/** iris.onnx plus a node whose If-branch subgraph holds an external-data initializer. */
export function irisWithExternalDataInSubgraph(location = '/etc/shadow'): Buffer {
  const subgraph = pbMessage(5, externalTensor('hidden', location));
  const attribute = Buffer.concat([pbMessage(1, 'then_branch'), pbMessage(6, subgraph), pbVarint(20, 5)]);
  const node = Buffer.concat([pbMessage(4, 'If'), pbMessage(5, attribute)]);
  return Buffer.concat([irisBytes(), pbMessage(7, pbMessage(1, node))]);
}

/** A pickle stream (protocol 4) that would call os.system if unpickled. */
export function pickleStream(): Buffer {
  return Buffer.concat([
    Buffer.from([0x80, 0x04, 0x95, 0x20, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from('\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94.', 'latin1'),
  ]);
}

/** A minimal zip archive holding `archive/data.pkl`, like torch.save's format. */
export function torchZip(): Buffer {
  const name = Buffer.from('archive/data.pkl');
  const data = pickleStream();
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name, data]);
}

/** Deterministic pseudo-random bytes. */
export function randomBytes(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header claiming `width`×`height` grayscale pixels, with a few
 * rows of compressed zeros (a decoder that trusted the header would allocate width×height bytes).
 */
export function pngBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc((width + 1) * 4))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A tensor type: FLOAT with one dimension, named (`dim_param`) or fixed (`dim_value`). */
function floatVector(dim: string | number): Buffer {
  const d = typeof dim === 'string' ? pbMessage(2, dim) : pbVarint(1, dim);
  return pbMessage(1, Buffer.concat([pbVarint(1, 1), pbMessage(2, pbMessage(1, d))]));
}

/**
 * A well-formed ONNX model whose input `x` is FLOAT [N] and whose graph reshapes it to [4]: any N
 * but 4 passes the signature check and fails inside onnxruntime (its Reshape kernel's own error).
 */
export function reshapeModel(): Buffer {
  const shape = Buffer.alloc(8);
  shape.writeBigInt64LE(4n);
  const initializer = Buffer.concat([
    pbVarint(1, 1), // dims [1]
    pbVarint(2, 7), // data_type INT64
    pbMessage(8, 'shape'),
    pbMessage(9, shape), // raw_data
  ]);
  const node = Buffer.concat([
    pbMessage(1, 'x'),
    pbMessage(1, 'shape'),
    pbMessage(2, 'y'),
    pbMessage(4, 'Reshape'),
  ]);
  const graph = Buffer.concat([
    pbMessage(1, node),
    pbMessage(2, 'reshaper'),
    pbMessage(5, initializer),
    pbMessage(11, Buffer.concat([pbMessage(1, 'x'), pbMessage(2, floatVector('N'))])),
    pbMessage(12, Buffer.concat([pbMessage(1, 'y'), pbMessage(2, floatVector(4))])),
  ]);
  return Buffer.concat([
    pbVarint(1, 8), // ir_version
    pbMessage(8, Buffer.concat([pbMessage(1, ''), pbVarint(2, 13)])), // opset_import ai.onnx 13
    pbMessage(7, graph),
  ]);
}
