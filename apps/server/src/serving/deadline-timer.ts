/**
 * One timer for all of a scheduler's deadlines, set for the earliest one, instead of a timer per
 * request (a Timeout object and two list operations each). With one deadline for most requests the
 * earliest is nearly always the oldest, so the timer rarely moves. It does not keep the process
 * alive: a request always has a pump, a run or a delay timer that does.
 */
import type { Clock } from './clock.js';

export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  /** The clock time the timer is set for; +Infinity when it is not set. */
  private armedAt = Number.POSITIVE_INFINITY;

  /**
   * @param onExpire called when the earliest deadline comes (the timer is then unset: the callback
   *   fails what is late and calls `require()` for the next deadline, if any)
   */
  constructor(
    private readonly clock: Clock,
    private readonly onExpire: () => void,
  ) {}

  /** Makes sure the timer fires no later than `at` (clock time). */
  require(at: number): void {
    if (at >= this.armedAt) return;
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - this.clock.now()));
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.onExpire();
  };
}
