/**
 * Reusable ArrayBuffers for the large tensors of the request path: binary request tensors are
 * decoded into one (aligned or not), batches are merged into one, worker threads get them by
 * transfer and hand them back, and they return here after their batch ran. Under a CNN's load this
 * turns ~2 MB of fresh ArrayBuffers per request — whose external memory drove V8 into several major
 * GCs a second — into a few buffers reused (docs/performance.md, "The tensor path").
 */

/** Tensors smaller than this are left to V8 (a small allocation is cheap; pooling it is not). */
export const POOL_MIN_BYTES = 16 * 1024;

export class TensorPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Buffers this pool handed out: only these may be moved to a worker or taken back. */
  private readonly issued = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;

  constructor(
    /** The most bytes kept idle; a buffer given back past this is left to the GC. */
    private readonly maxFreeBytes = 96 * 1024 * 1024,
    /**
     * The most idle buffers of one size class: enough for every request of a busy model in flight at
     * once (with 16, 32 clients' 1 MB request buffers came back half to the GC: 3 major GCs a second).
     */
    private readonly perClass = 64,
  ) {}

  /** Size classes are powers of two, so batches of nearby sizes share buffers. */
  static classOf(bytes: number): number {
    return 2 ** Math.ceil(Math.log2(Math.max(bytes, POOL_MIN_BYTES)));
  }

  /** A buffer of at least `bytes` bytes (its contents are whatever its last user left). */
  take(bytes: number): ArrayBuffer {
    const size = TensorPool.classOf(bytes);
    const buffer = this.free.get(size)?.pop();
    if (buffer !== undefined) {
      this.freeBytes -= size;
      return buffer;
    }
    const fresh = new ArrayBuffer(size);
    this.issued.add(fresh);
    return fresh;
  }

  /** Whether the buffer came from this pool (the engine owns it: no caller holds a view of it). */
  owns(buffer: ArrayBufferLike): boolean {
    return buffer instanceof ArrayBuffer && this.issued.has(buffer);
  }

  /** Takes a buffer back for reuse; one not from this pool, or moved to another thread, is ignored. */
  give(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof ArrayBuffer) || !this.issued.has(buffer) || buffer.byteLength === 0) return;
    const size = buffer.byteLength;
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    if (list.length >= this.perClass || this.freeBytes + size > this.maxFreeBytes || list.includes(buffer))
      return;
    list.push(buffer);
    this.freeBytes += size;
  }

  /**
   * Takes in a buffer the engine owns that this pool did not make: one moved back from a worker
   * thread (a new object on this side). Kept only if it is of a size class.
   */
  adopt(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (size < POOL_MIN_BYTES || TensorPool.classOf(size) !== size) return;
    this.issued.add(buffer);
    this.give(buffer);
  }

  /** Gives back the buffers of tensors the engine is done with. */
  giveAll(tensors: ReadonlyArray<{ data: ArrayLike<unknown> | { buffer: ArrayBufferLike } }>): void {
    for (const t of tensors) {
      const data = t.data as { buffer?: ArrayBufferLike };
      if (data.buffer !== undefined) this.give(data.buffer);
    }
  }

  /** Idle bytes held (for tests). */
  get idleBytes(): number {
    return this.freeBytes;
  }
}

/** The process's pool: main thread only (a worker thread's buffers come back by transfer). */
export const tensorPool = new TensorPool();
