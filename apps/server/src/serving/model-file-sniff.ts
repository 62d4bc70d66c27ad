/**
 * Recognises common model and archive formats that are not ONNX by their first bytes, so a refused
 * upload says what it is (a pickle runs code when loaded: it is never handed to anything).
 */

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0) =>
  bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function includesAscii(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(needle, 0, 'latin1');
}

/** Names the format of a file that is recognisably not ONNX, or returns null. */
export function foreignFormatOf(bytes: Uint8Array): string | null {
  const first = bytes[0];
  const second = bytes[1] ?? 0;
  if (first === 0x80 && second >= 2 && second <= 5) {
    return `a Python pickle (protocol ${second}), which runs arbitrary code when loaded`;
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    return includesAscii(bytes, 'data.pkl') || includesAscii(bytes, '.pkl')
      ? 'a PyTorch checkpoint (a zip archive holding data.pkl, a Python pickle that runs code when loaded)'
      : 'a zip archive';
  }
  if (startsWith(bytes, [0x1f, 0x8b])) return 'a gzip archive';
  if (startsWith(bytes, [0x89, ...ascii('HDF\r\n'), 0x1a, 0x0a])) return 'an HDF5 file (Keras .h5)';
  if (startsWith(bytes, ascii('TFL3'), 4)) return 'a TensorFlow Lite model';
  if (startsWith(bytes, [0x93, ...ascii('NUMPY')])) return 'a NumPy array';
  if (startsWith(bytes, ascii('GGUF'))) return 'a GGUF model';
  if (startsWith(bytes, [0x89, ...ascii('PNG')]) || startsWith(bytes, [0xff, 0xd8, 0xff])) return 'an image';
  if (
    bytes.length > 9 &&
    bytes[8] === 0x7b &&
    Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(4) === 0
  )
    return 'a safetensors file';
  const lead = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64))
    .toString('latin1')
    .trimStart();
  if (lead.startsWith('{') || lead.startsWith('[') || lead.startsWith('<'))
    return 'a text file (JSON/XML/HTML)';
  return null;
}
