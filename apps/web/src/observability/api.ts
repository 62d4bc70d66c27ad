// The observability calls: live metrics, prediction logs and their CSV, drift reports (the SDK's).

import type { PredictionLogSettings, PredictionQuery } from '@modelgarden/sdk';
import { call } from '../api/client';

export type {
  DriftReport,
  FeatureDrift,
  LoggedPrediction,
  MetricsPoint as SeriesPoint,
  MetricsSummary as LiveSummary,
  PredictionLogSettings as LoggingSettings,
} from '@modelgarden/sdk';

/** The filters of the predictions page (and its CSV download). */
export type PredictionFilter = Omit<PredictionQuery, 'cursor' | 'limit'>;

export function filterQuery(f: PredictionFilter & { cursor?: number; limit?: number }): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Empty filter fields are left out rather than sent empty. */
function filled<T extends object>(f: T): T {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as T;
}

const model = (name: string) => `/api/models/${encodeURIComponent(name)}`;

export const observabilityApi = {
  summary: () => call((c) => c.metricsSummary()),
  settings: (name: string) => call((c) => c.getPredictionLogging(name)),
  setSettings: (name: string, patch: Partial<PredictionLogSettings>) =>
    call((c) => c.setPredictionLogging(name, patch)),
  predictions: (name: string, f: PredictionFilter & { cursor?: number }) =>
    call((c) => c.listPredictions(name, filled({ ...f, limit: 50 }))),
  /** A link for the browser to download (the CSV is not read by the page). */
  csvUrl: (name: string, f: PredictionFilter) => `${model(name)}/predictions.csv${filterQuery(f)}`,
  drift: (name: string, f: { version?: number; from?: string; to?: string }) =>
    call((c) => c.drift(name, filled(f))),
};
