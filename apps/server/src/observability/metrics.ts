/**
 * Prometheus metrics (prom-client), one registry per server instance so tests and several servers in
 * one process do not share counters. Names follow Prometheus conventions: base units (seconds),
 * `_total` for counters, and only bounded label values (model names and versions, route templates,
 * status classes, outcome reasons: never ids or inputs).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineObserver } from '../serving/model-manager.js';

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
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_class'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: 'http_server_active_requests',
      help: 'HTTP requests being handled now',
      registers: [registry],
    }),
    inferenceRequests: new Counter({
      name: 'modelgarden_inference_requests_total',
      help: 'Inference requests by model, version and outcome',
      labelNames: [...modelLabels, 'outcome'] as const,
      registers: [registry],
    }),
    inferenceQueueDuration: new Histogram({
      name: 'modelgarden_inference_queue_duration_seconds',
      help: 'Time a request waited in the model queue before its batch ran',
      labelNames: modelLabels,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    inferenceComputeDuration: new Histogram({
      name: 'modelgarden_inference_compute_duration_seconds',
      help: 'Time of one onnxruntime execution (one batch)',
      labelNames: modelLabels,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    inferenceRequestDuration: new Histogram({
      name: 'modelgarden_inference_request_duration_seconds',
      help: 'End-to-end inference time of one request inside the engine (queue + compute + split)',
      labelNames: modelLabels,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    inferenceBatchSize: new Histogram({
      name: 'modelgarden_inference_batch_size',
      help: 'Requests merged into one execution',
      labelNames: modelLabels,
      buckets: BATCH_BUCKETS,
      registers: [registry],
    }),
    inferenceExecutions: new Counter({
      name: 'modelgarden_inference_executions_total',
      help: 'onnxruntime executions (batches run)',
      labelNames: modelLabels,
      registers: [registry],
    }),
    inferencePending: new Gauge({
      name: 'modelgarden_inference_pending_requests',
      help: 'Requests waiting in a model queue',
      labelNames: modelLabels,
      registers: [registry],
    }),
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
 * The serving engine's observer over these metrics: label children are resolved once per loaded
 * version, so recording costs no label hashing on the hot path.
 */
export function engineObserver(metrics: Metrics): EngineObserver {
  return {
    scheduler(model, version) {
      const labels = [model, String(version)] as const;
      const queue = metrics.inferenceQueueDuration.labels(...labels);
      const compute = metrics.inferenceComputeDuration.labels(...labels);
      const total = metrics.inferenceRequestDuration.labels(...labels);
      const batch = metrics.inferenceBatchSize.labels(...labels);
      const executions = metrics.inferenceExecutions.labels(...labels);
      const pending = metrics.inferencePending.labels(...labels);
      const outcomes = new Map(
        INFERENCE_OUTCOMES.map((o) => [o, metrics.inferenceRequests.labels(...labels, o)]),
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
      metrics.inferenceRequests.labels(model, String(version), outcome).inc(),
  };
}
