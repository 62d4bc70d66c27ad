/**
 * Builds the observability services (prediction log, drift, live metrics) and their background
 * jobs: the retention cleanup and the periodic drift reports that keep the PSI gauges current.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { isModelGardenError } from '../errors/model-garden-error.js';
import { DriftService } from './drift-service.js';
import { LiveMetrics } from './live-metrics.js';
import type { Metrics } from './metrics.js';
import { PredictionLogService } from './prediction-log.js';

export interface ObservabilityOptions {
  driftIntervalMs: number;
  cleanupIntervalMs: number;
}

export interface ObservabilityServices {
  predictionLogs: PredictionLogService;
  drift: DriftService;
  liveMetrics: LiveMetrics;
  /** Runs drift reports for every model with logging on; resolves each model's serving version. */
  startJobs(resolveVersion: (model: string) => Promise<number>): void;
  close(): Promise<void>;
}

export function createObservability(
  database: Database,
  metrics: Metrics,
  logger: Logger,
  options: ObservabilityOptions,
): ObservabilityServices {
  let lastDropLine = 0;
  let droppedUnlogged = 0;
  const predictionLogs = new PredictionLogService(database, {
    onError: (err) => logger.error({ err }, 'prediction log write failed'),
    // A drop is an error: counted at once, logged at most once a second with the count since.
    onDrop: (count) => {
      metrics.predictionLogDropped.inc(count);
      droppedUnlogged += count;
      if (Date.now() - lastDropLine < 1000) return;
      lastDropLine = Date.now();
      logger.error({ dropped: droppedUnlogged }, 'prediction log dropped entries: the database is behind');
      droppedUnlogged = 0;
    },
  });
  const drift = new DriftService(database.db, predictionLogs, (report) => {
    for (const f of report.features) {
      metrics.driftPsi.set(
        { model: report.model, version: String(report.version), feature: f.feature },
        f.psi,
      );
    }
  });
  const liveMetrics = new LiveMetrics(metrics);
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, job: () => Promise<void>) => {
    if (ms <= 0) return;
    const t = setInterval(
      () => void job().catch((err) => logger.warn({ err }, 'observability job failed')),
      ms,
    );
    t.unref();
    timers.push(t);
  };
  return {
    predictionLogs,
    drift,
    liveMetrics,
    startJobs(resolveVersion) {
      liveMetrics.start();
      every(options.cleanupIntervalMs, async () => {
        const removed = await predictionLogs.cleanup();
        if (removed) logger.info({ removed }, 'prediction log retention cleanup');
      });
      every(options.driftIntervalMs, async () => {
        for (const model of await predictionLogs.enabledModels()) {
          try {
            await drift.report(model, await resolveVersion(model));
          } catch (err) {
            if (!isModelGardenError(err)) throw err; // no reference yet, model gone: nothing to report
          }
        }
      });
    },
    async close() {
      for (const t of timers) clearInterval(t);
      liveMetrics.stop();
      await predictionLogs.close();
    },
  };
}
