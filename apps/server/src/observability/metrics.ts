/**
 * Prometheus metrics (prom-client), one registry per server instance so tests and several servers in
 * one process do not share counters. Names follow Prometheus conventions: base units (seconds),
 * `_total` for counters, and only bounded label values (model names and versions, route templates,
 * status classes, outcome reasons: never ids or inputs).
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { EngineObserver } from '../serving/model-manager.js';
import { BoundCounter, BoundGauge, BoundHistogram } from './bound-metrics.js';

/** Why an inference request ended; the failure reasons follow Triton's split. */
export const INFERENCE_OUTCOMES = [
  'success',
  'queue_full',
  'timeout',
  'invalid_input',
  'cancelled',
  'not_ready',
  'internal',
] as const;
export type InferenceOutcome = (typeof INFERENCE_OUTCOMES)[number];

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const modelLabels = ['model', 'version'] as const;
  const httpActive = { count: 0 };
  return {
    registry,
    // The request path's metrics are bound-label metrics (bound-metrics.ts): no label hashing per
    // observation. The rest are prom-client's own.
    httpRequestDuration: new BoundHistogram(
      'http_server_request_duration_seconds',
      'Duration of HTTP server requests',
      ['http_request_method', 'http_route', 'http_response_status_class'] as const,
      LATENCY_BUCKETS,
      registry,
    ),
    /** Requests being handled now, counted by the HTTP hooks (routes/metrics.ts), read at scrape time. */
    httpActive,
    httpInFlight: new Gauge({
      name: 'http_server_active_requests',
      help: 'HTTP requests being handled now',
      registers: [registry],
      collect() {
        this.set(httpActive.count);
      },
    }),
    inferenceRequests: new BoundCounter(
      'modelgarden_inference_requests_total',
      'Inference requests by model, version and outcome',
      [...modelLabels, 'outcome'] as const,
      registry,
    ),
    inferenceQueueDuration: new BoundHistogram(
      'modelgarden_inference_queue_duration_seconds',
      'Time a request waited in the model queue before its batch ran',
      modelLabels,
      LATENCY_BUCKETS,
      registry,
    ),
    inferenceComputeDuration: new BoundHistogram(
      'modelgarden_inference_compute_duration_seconds',
      'Time of one onnxruntime execution (one batch)',
      modelLabels,
      LATENCY_BUCKETS,
      registry,
    ),
    inferenceRequestDuration: new BoundHistogram(
      'modelgarden_inference_request_duration_seconds',
      'End-to-end inference time of one request inside the engine (queue + compute + split)',
      modelLabels,
      LATENCY_BUCKETS,
      registry,
    ),
    inferenceBatchSize: new BoundHistogram(
      'modelgarden_inference_batch_size',
      'Requests merged into one execution',
      modelLabels,
      BATCH_BUCKETS,
      registry,
    ),
    inferenceExecutions: new BoundCounter(
      'modelgarden_inference_executions_total',
      'onnxruntime executions (batches run)',
      modelLabels,
      registry,
    ),
    inferencePending: new BoundGauge(
      'modelgarden_inference_pending_requests',
      'Requests waiting in a model queue',
      modelLabels,
      registry,
    ),
    driftPsi: new Gauge({
      name: 'modelgarden_drift_psi',
      help: 'Population stability index of a feature, live inputs against the reference (last report)',
      labelNames: ['model', 'version', 'feature'] as const,
      registers: [registry],
    }),
    predictionLogDropped: new Counter({
      name: 'modelgarden_prediction_log_dropped_total',
      help: 'Prediction log entries dropped because the write buffer was full',
      registers: [registry],
    }),
    modelsLoaded: new Gauge({
      name: 'modelgarden_models_loaded',
      help: 'Model versions with a loaded session',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The serving engine's observer over these metrics: series are bound once per loaded version, so
 * recording costs no label work on the hot path.
 */
export function engineObserver(metrics: Metrics): EngineObserver {
  return {
    scheduler(model, version) {
      const labels = { model, version: String(version) };
      const queue = metrics.inferenceQueueDuration.bind(labels);
      const compute = metrics.inferenceComputeDuration.bind(labels);
      const total = metrics.inferenceRequestDuration.bind(labels);
      const batch = metrics.inferenceBatchSize.bind(labels);
      const executions = metrics.inferenceExecutions.bind(labels);
      const pending = metrics.inferencePending.bind(labels);
      const outcomes = new Map(
        INFERENCE_OUTCOMES.map((o) => [o, metrics.inferenceRequests.bind({ ...labels, outcome: o })]),
      );
      return {
        pending: (depth) => pending.set(depth),
        executed(requests, seconds) {
          batch.observe(requests);
          compute.observe(seconds);
          executions.inc();
        },
        finished(outcome, queueSeconds, totalSeconds) {
          outcomes.get(outcome)?.inc();
          if (queueSeconds !== null) queue.observe(queueSeconds);
          if (outcome === 'success') total.observe(totalSeconds);
        },
      };
    },
    loadedCount: (count) => metrics.modelsLoaded.set(count),
    rejected: (model, version, outcome) =>
      metrics.inferenceRequests.bind({ model, version: String(version), outcome }).inc(),
  };
}
