/**
 * A live comparison of two batch caps by what the whole pool serves: the knee of the batch curve
 * (measured one run at a time) against a smaller cap, in alternating windows of real traffic. One
 * instance's runs can say a batch pays while all instances together serve less with it (the detector
 * with two workers: 25 % cheaper per image alone at batch 2, 0.78× the images per second of batch 1).
 */

/** A window lasts at least this long and this many executions. */
export const TRIAL_WINDOW_MS = 1_000;
const TRIAL_WINDOW_EXECUTIONS = 16;
/** Windows per cap that must be compared (alternating, so a drifting machine favours neither). */
const WINDOWS_PER_CAP = 2;
/** A window counts only when requests were waiting at this share of its batches' starts (pool-bound). */
const WAITING_SHARE = 0.5;
/**
 * After one window of each, a smaller cap that served under this share of the knee's rows has lost
 * clearly: the trial ends there (a comparison costs the traffic what the losing cap loses).
 */
const CLEAR_LOSS = 0.75;
/** The trial gives up (the load is too light to tell caps apart) after this many windows. */
const MAX_WINDOWS = 12;

export interface TrialResult {
  /** The cap that won. */
  cap: number;
  /** Rows per second each cap served, knee first. */
  rowsPerSecond: [number, number];
  caps: readonly [number, number];
}

export class BatchCapTrial {
  private index: 0 | 1 = 0;
  private readonly rows: [number, number] = [0, 0];
  private readonly ms: [number, number] = [0, 0];
  private readonly counted: [number, number] = [0, 0];
  private windows = 0;
  private windowStart: number | undefined;
  private windowRows = 0;
  private windowExecutions = 0;
  private windowWaited = 0;

  /**
   * @param caps the knee first (tried first), then the smaller cap
   * @param tolerance the smaller cap wins when it serves at least (1 − tolerance) of the knee's rows
   */
  constructor(
    readonly caps: readonly [number, number],
    private readonly tolerance: number,
  ) {}

  /** The cap to run now. */
  get current(): number {
    return this.caps[this.index]!;
  }

  /**
   * One execution that ended at `now`: `rows` rows, with `waiting` requests still queued when it
   * started. Returns 'switch' when the cap to run changed, 'done' or 'gave-up' when the trial ended.
   */
  record(rows: number, waiting: number, now: number): 'same' | 'switch' | 'done' | 'gave-up' {
    // A batch larger than the cap being tried was formed before the switch: not this window's.
    if (rows > this.current) return 'same';
    if (this.windowStart === undefined) {
      // The window opens at the first batch formed under this cap; its rows are this window's.
      this.windowStart = now;
      return 'same';
    }
    this.windowRows += rows;
    this.windowExecutions++;
    if (waiting > 0) this.windowWaited++;
    const elapsed = now - this.windowStart;
    if (elapsed < TRIAL_WINDOW_MS || this.windowExecutions < TRIAL_WINDOW_EXECUTIONS) return 'same';
    this.windows++;
    const counts = this.windowWaited >= WAITING_SHARE * this.windowExecutions;
    if (counts) {
      this.rows[this.index] += this.windowRows;
      this.ms[this.index] += elapsed;
      this.counted[this.index]++;
      this.index = this.index === 0 ? 1 : 0;
    }
    this.restartWindow();
    if (this.counted[0] >= WINDOWS_PER_CAP && this.counted[1] >= WINDOWS_PER_CAP) return 'done';
    if (this.counted[0] >= 1 && this.counted[1] >= 1) {
      const [knee, smaller] = this.result().rowsPerSecond;
      if (smaller < CLEAR_LOSS * knee) return 'done';
    }
    if (this.windows >= MAX_WINDOWS) return 'gave-up';
    return counts ? 'switch' : 'same';
  }

  /** Traffic paused: the window in progress is dropped (its rate would count the pause). */
  restartWindow(): void {
    this.windowStart = undefined;
    this.windowRows = 0;
    this.windowExecutions = 0;
    this.windowWaited = 0;
  }

  /** The outcome once record() said 'done'. */
  result(): TrialResult {
    const rate = (i: 0 | 1) => (this.ms[i] > 0 ? (this.rows[i] * 1000) / this.ms[i] : 0);
    const rowsPerSecond: [number, number] = [rate(0), rate(1)];
    const cap = rowsPerSecond[1] >= (1 - this.tolerance) * rowsPerSecond[0] ? this.caps[1] : this.caps[0];
    return { cap, rowsPerSecond, caps: this.caps };
  }
}
