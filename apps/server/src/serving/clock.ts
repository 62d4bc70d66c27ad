/**
 * The time source of the scheduler's parts: performance.now() in production, a clock the test moves
 * by hand where timing decides (admission, deadlines, tuning).
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (performance.now()'s). */
  now(): number;
}

export const performanceClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private t = 1_000) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
