/**
 * Where the process log goes: JSON lines to a file descriptor (stdout by default), gathered for up
 * to 10 ms and written in one write(2) instead of one per line.
 *
 * pino's default destination makes one write per line. On a small prediction that write cost more
 * than building the line (docs/performance.md, point 8). sonic-boom's own buffering (`minLength`) did
 * not pay: it appends each line to one growing string and measures that string's byte length on
 * every write. Flushing at the end of each event-loop turn (setImmediate) did not pay either: a
 * pending immediate makes the loop poll without waiting, so each turn gathers fewer events (and the
 * scheduler smaller batches). Here lines are kept in an array and joined when a timer fires.
 *
 * Semantics kept from pino's default: writes are synchronous (a full pipe blocks the writer, lines
 * are never dropped), in order, and whatever is pending is written before the process exits (normal
 * exit, `process.exit()`, or an uncaught exception). Lost only on a hard kill (SIGKILL, OOM kill):
 * the last 10 ms of lines.
 */
import { writeSync } from 'node:fs';

/** Pending lines are written this long after the first of them at the latest. */
const FLUSH_INTERVAL_MS = 10;
/** Past this many pending characters, write at once instead of waiting for the timer. */
const FLUSH_CHARS = 256 * 1024;
/** Waiting time before retrying a write that a non-blocking descriptor refused (EAGAIN). */
const RETRY_MS = 5;

type Writer = (fd: number, buffer: Buffer, offset: number, length: number) => number;

const live = new Set<BatchedLogDestination>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of live) d.flushSync();
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class BatchedLogDestination {
  private lines: string[] = [];
  private chars = 0;
  private scheduled = false;
  private readonly onTimer = () => {
    this.scheduled = false;
    this.flushSync();
  };

  /** `writer` is for tests (short writes, EAGAIN); it defaults to fs.writeSync. */
  constructor(
    private readonly fd: number,
    private readonly writer: Writer = writeSync,
  ) {
    live.add(this);
    flushAllOnExit();
  }

  /** pino's stream interface: one serialised line, newline included. */
  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= FLUSH_CHARS) this.flushSync();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.onTimer, FLUSH_INTERVAL_MS).unref();
    }
    return true;
  }

  /** Writes everything pending now. */
  flushSync(): void {
    if (this.lines.length === 0) return;
    const buffer = Buffer.from(this.lines.length === 1 ? this.lines[0]! : this.lines.join(''), 'utf8');
    this.lines = [];
    this.chars = 0;
    let offset = 0;
    while (offset < buffer.length) {
      try {
        offset += this.writer(this.fd, buffer, offset, buffer.length - offset);
      } catch (err) {
        // A non-blocking descriptor (a pipe someone set O_NONBLOCK on) that is full: wait for the
        // reader, as a blocking write would. Any other error (closed stdout) drops the batch: a
        // logger must not take the server down.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') sleepSync(RETRY_MS);
        else return;
      }
    }
  }

  /** pino calls this from `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /** Stops tracking this destination for the exit flush (after a final flush). */
  end(): void {
    this.flushSync();
    live.delete(this);
  }
}
