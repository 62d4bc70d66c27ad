/**
 * sharp (libvips), loaded with the first picture instead of with the server: its import costs
 * ~50 ms of every start, and a server without image models never needs it.
 */
import type sharpModule from 'sharp';

let loading: Promise<typeof sharpModule> | undefined;

export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
