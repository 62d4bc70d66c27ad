/**
 * The engine's defaults for a version's serving config, and the merge of a stored (partial) config
 * with them. Every scheduler and session reads its settings from the result.
 */
import type { ServingConfig } from '../registry/types.js';

export type EffectiveServingConfig = Required<ServingConfig>;

/**
 * Defaults: batch up to 32 rows without waiting (greedy), 256 queued requests, 30 s deadline, no
 * queue target (throughput first: clients that keep more requests in flight than the model serves
 * wait rather than get 429s; set `queueTargetMs` for latency-sensitive traffic), one
 * session on the event loop's thread (the fastest for small models; `executor: 'worker'` moves each
 * instance to its own thread, for compute-heavy models and parallel instances).
 */
export const SERVING_DEFAULTS: EffectiveServingConfig = {
  maxBatchSize: 32,
  maxQueueDelayMs: 0,
  maxQueue: 256,
  timeoutMs: 30_000,
  queueTargetMs: 0,
  instances: 1,
  intraOpThreads: 0,
  interOpThreads: 0,
  executor: 'inline',
};

/** The longest deadline a request may ask for, whatever its model's `timeoutMs`. */
export const MAX_REQUEST_TIMEOUT_MS = 600_000;

export function effectiveServingConfig(
  stored: ServingConfig,
  engineDefaults: Partial<EffectiveServingConfig> = {},
): EffectiveServingConfig {
  return { ...SERVING_DEFAULTS, ...engineDefaults, ...stripUndefined(stored) };
}

/** True when the change needs new sessions (threads, instances), not just new queue settings. */
export function needsNewSessions(a: EffectiveServingConfig, b: EffectiveServingConfig): boolean {
  return (
    a.instances !== b.instances ||
    a.executor !== b.executor ||
    a.intraOpThreads !== b.intraOpThreads ||
    a.interOpThreads !== b.interOpThreads
  );
}

function stripUndefined(config: ServingConfig): ServingConfig {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(config)) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  return out as ServingConfig;
}
