/**
 * A strict, allocation-free reader of the protobuf wire format: enough to walk a message's fields
 * and check its structure without trusting any length in it (used by onnx-guard.ts).
 */

export interface WireField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varint value (wire type 0), as a number that may lose precision past 2^53. */
  varint: number;
  /** Start and end of the payload within the buffer (length-delimited and fixed types). */
  start: number;
  end: number;
}

/** Thrown for bytes that are not a well-formed protobuf message. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

function readVarint(buf: Uint8Array, pos: number, end: number): [value: number, next: number] {
  let value = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new WireFormatError('truncated varint');
    const byte = buf[pos++] as number;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return [value, pos];
    factor *= 128;
  }
  throw new WireFormatError('varint longer than 10 bytes');
}

/** Yields every field of the message in `buf[start, end)`; throws WireFormatError on malformed bytes. */
export function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos, end);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field < 1 || field > 536_870_911) throw new WireFormatError(`invalid field number ${field}`);
    pos = afterTag;
    switch (wireType) {
      case 0: {
        const [value, next] = readVarint(buf, pos, end);
        yield { field, wireType, varint: value, start: pos, end: next };
        pos = next;
        break;
      }
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (pos + size > end) throw new WireFormatError('truncated fixed-width field');
        yield { field, wireType, varint: 0, start: pos, end: pos + size };
        pos += size;
        break;
      }
      case 2: {
        const [length, next] = readVarint(buf, pos, end);
        if (length > end - next) throw new WireFormatError(`field ${field} runs past the end (truncated?)`);
        yield { field, wireType, varint: 0, start: next, end: next + length };
        pos = next + length;
        break;
      }
      default:
        throw new WireFormatError(`unsupported wire type ${wireType} (field ${field})`);
    }
  }
}

/** Decodes a length-delimited field as UTF-8 text. */
export function text(buf: Uint8Array, f: WireField): string {
  return Buffer.from(buf.buffer, buf.byteOffset + f.start, f.end - f.start).toString('utf8');
}
