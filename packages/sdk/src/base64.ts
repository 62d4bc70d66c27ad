// Base64 for image uploads in JSON, in Node and in browsers alike.

/** Encode bytes or a Blob as plain base64 (no `data:` prefix). */
export async function toBase64(data: Uint8Array | Blob): Promise<string> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  // Chunked so String.fromCharCode never gets more arguments than an engine allows.
  let binary = '';
  for (let offset = 0; offset < bytes.byteLength; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}
