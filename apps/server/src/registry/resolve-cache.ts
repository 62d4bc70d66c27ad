/**
 * A small TTL cache for alias resolution, the registry's hot path (every prediction resolves a
 * version). Changes through this process clear it at once; the TTL bounds how long another replica's
 * change takes to be seen.
 */
/** A load in flight or done; `settled` once it has resolved, for peek(). */
interface Entry<T> {
  expires: number;
  value: Promise<T>;
  settled?: T;
}

export class ResolveCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the cached value for `key`, or loads it; a failed load is not cached. */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    const now = this.now();
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    const entry: Entry<T> = { expires: now + this.ttlMs, value };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        entry.settled = v;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  /** The cached value for `key` if it has loaded and not expired; undefined otherwise (no load). */
  peek(key: string): T | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expires > this.now() ? hit.settled : undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}
