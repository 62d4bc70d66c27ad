// Turns what a caller may upload (a path in Node, bytes, a Blob) into a sized stream of chunks.

/** What `pushModel` accepts as the model file: a path (Node only), bytes or a Blob/File. */
export type UploadSource = string | Uint8Array | Blob;

export interface ResolvedUpload {
  filename: string;
  size: number;
  /** Chunks in order; each call starts from the beginning. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole content as a Blob, for runtimes that cannot stream a request body. */
  blob(): Promise<Blob>;
}

const CHUNK_SIZE = 64 * 1024;

/** Resolve `source` once: stat a path, measure bytes, keep a Blob as it is. */
export async function resolveUpload(source: UploadSource, filename?: string): Promise<ResolvedUpload> {
  if (typeof source === 'string') return resolvePath(source, filename);
  if (source instanceof Uint8Array) {
    return {
      filename: filename ?? 'model.onnx',
      size: source.byteLength,
      async *chunks() {
        for (let offset = 0; offset < source.byteLength; offset += CHUNK_SIZE) {
          yield source.subarray(offset, Math.min(offset + CHUNK_SIZE, source.byteLength));
        }
      },
      blob: async () => new Blob([source]),
    };
  }
  const blobName = 'name' in source && typeof source.name === 'string' ? source.name : undefined;
  return {
    filename: filename ?? blobName ?? 'model.onnx',
    size: source.size,
    async *chunks() {
      const reader = source.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    blob: async () => source,
  };
}

// node:fs is imported only here and only when a path is given, so browser bundles never need it.
async function resolvePath(path: string, filename?: string): Promise<ResolvedUpload> {
  const [fs, nodePath] = await Promise.all([import('node:fs'), import('node:path')]);
  const stat = await fs.promises.stat(path);
  if (!stat.isFile()) throw new TypeError(`${path} is not a file`);
  return {
    filename: filename ?? nodePath.basename(path),
    size: stat.size,
    async *chunks() {
      for await (const chunk of fs.createReadStream(path, { highWaterMark: CHUNK_SIZE })) {
        yield chunk as Uint8Array;
      }
    },
    blob: async () => new Blob([await fs.promises.readFile(path)]),
  };
}
