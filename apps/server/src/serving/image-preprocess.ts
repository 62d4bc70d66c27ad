/**
 * Turns an uploaded picture into model input with sharp, following the version's preprocessing
 * config: flatten → grayscale/RGB → optional invert → optional crop-to-content (centred in a square
 * with a margin) → resize → scale and normalise → NCHW or NHWC.
 */
import type { CreateRaw, OutputInfo } from 'sharp';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ImagePreprocessing } from '../registry/types.js';
import { loadSharp } from './load-sharp.js';

/** Default for MAX_IMAGE_PIXELS: pixels a picture's header may claim before it is decoded (4096²). */
export const DEFAULT_MAX_IMAGE_PIXELS = 16_777_216;
/** Share of the square side left empty around cropped content. */
export const CROP_MARGIN = 0.15;

export const DEFAULT_PREPROCESSING: Omit<ImagePreprocessing, 'width' | 'height'> = {
  type: 'image',
  channels: 3,
  layout: 'NCHW',
  scale: 1 / 255,
  mean: [0],
  std: [1],
  invert: false,
  cropToContent: false,
};

function invalid(message: string, cause?: unknown): ModelGardenError {
  return new ModelGardenError('INVALID_IMAGE', message, { cause });
}

/** The documented image formats, told by their first bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

const ascii = (bytes: Uint8Array, at: number, text: string) =>
  bytes.length >= at + text.length && [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/**
 * The format of a picture from its magic bytes, or undefined for anything else (TIFF, SVG, HEIF,
 * AVIF, BMP…): checked before any decoder, even a header parser, sees the bytes.
 */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes[0] === 0x89 && ascii(bytes, 1, 'PNG\r\n\x1a\n')) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  return undefined;
}

const UNSUPPORTED = 'Unsupported image format; send PNG, JPEG, WebP or GIF';

/**
 * Refuses anything but PNG, JPEG, WebP and GIF by its first bytes, then reads the header only (sharp decodes lazily) and refuses a picture that claims more than
 * `maxPixels` before any pixel is decoded: a 100000×100000 PNG of zeros is a few KB.
 */
async function checkHeader(bytes: Uint8Array, maxPixels: number): Promise<void> {
  const format = imageFormatOf(bytes);
  if (!format) throw invalid(UNSUPPORTED);
  const sharp = await loadSharp();
  const meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  // libvips picks its loader by content too: it must be the one the magic bytes named.
  if (meta.format !== format) throw invalid(UNSUPPORTED);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new ModelGardenError(
      'IMAGE_TOO_LARGE',
      `The image is ${width}×${height} pixels; the limit is ${maxPixels} pixels (MAX_IMAGE_PIXELS)`,
      { details: { width, height, maxPixels } },
    );
  }
}

/** Decodes, crops and resizes to raw 8-bit pixels (channels interleaved). */
async function toPixels(bytes: Uint8Array, p: ImagePreprocessing, maxPixels: number): Promise<Buffer> {
  const sharp = await loadSharp();
  // Raw buffers are already in memory, so only encoded input needs the decoder's own cap too.
  const open = (input: Uint8Array | Buffer, raw?: CreateRaw) =>
    sharp(input, { limitInputPixels: raw ? false : maxPixels, failOn: 'error', ...(raw ? { raw } : {}) });
  let base: { data: Buffer; info: OutputInfo };
  try {
    await checkHeader(bytes, maxPixels);
    let img = open(bytes).flatten({ background: p.invert ? '#ffffff' : '#000000' });
    img = p.channels === 1 ? img.grayscale().toColourspace('b-w') : img.toColourspace('srgb');
    if (p.invert) img = img.negate({ alpha: false });
    base = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof ModelGardenError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw invalid(`The upload is not a readable image: ${reason}`, err);
  }
  // sharp applies resize before extend within one pipeline, so each step is materialised.
  let current = base;
  if (p.cropToContent) {
    const trimmed = await open(current.data, geometry(current.info))
      .trim({ background: '#000000', threshold: 10 })
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch(() => null); // an empty picture has nothing to trim: keep it whole
    if (trimmed && trimmed.info.width > 0 && trimmed.info.height > 0) {
      const { width, height } = trimmed.info;
      const side = Math.round(Math.max(width, height) / (1 - 2 * CROP_MARGIN));
      const left = Math.floor((side - width) / 2);
      const top = Math.floor((side - height) / 2);
      current = await open(trimmed.data, geometry(trimmed.info))
        .extend({ left, top, right: side - width - left, bottom: side - height - top, background: '#000000' })
        .raw()
        .toBuffer({ resolveWithObject: true });
    }
  }
  const resized = open(current.data, geometry(current.info)).resize(p.width, p.height, {
    fit: 'fill',
    kernel: 'lanczos3',
  });
  // Raw single-channel input is otherwise written back as sRGB.
  return (p.channels === 1 ? resized.toColourspace('b-w') : resized).raw().toBuffer();
}

function geometry(info: OutputInfo): CreateRaw {
  return { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
}

/**
 * Writes one image's normalised values into `out` at `offset` (one image = width*height*channels
 * values) in the configured layout.
 */
export async function preprocessImage(
  bytes: Uint8Array,
  p: ImagePreprocessing,
  out: Float32Array,
  offset: number,
  maxPixels = DEFAULT_MAX_IMAGE_PIXELS,
): Promise<void> {
  const pixels = await toPixels(bytes, p, maxPixels);
  const { width, height, channels } = p;
  const plane = width * height;
  if (pixels.length !== plane * channels) {
    throw invalid(`Preprocessing produced ${pixels.length} values, expected ${plane * channels}`);
  }
  for (let c = 0; c < channels; c++) {
    const mean = p.mean[c] ?? p.mean[0] ?? 0;
    const std = p.std[c] ?? p.std[0] ?? 1;
    for (let i = 0; i < plane; i++) {
      const v = ((pixels[i * channels + c] ?? 0) * p.scale - mean) / std;
      const index = p.layout === 'NCHW' ? c * plane + i : i * channels + c;
      out[offset + index] = v;
    }
  }
}
