// Typed calls for the observability endpoints: live metrics, prediction logs, drift reports.

import { ApiError, errorFromResponse, networkError } from '../api/api-error';
import { authHeaders, onUnauthenticated } from '../auth/session-state';

export interface SeriesPoint {
  t: string;
  rps: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  queueDepth: number;
  batchSize: number | null;
}

export interface LiveSummary {
  intervalSeconds: number;
  models: Record<string, SeriesPoint[]>;
  http: SeriesPoint[];
}

export interface LoggingSettings {
  enabled: boolean;
  sampleRate: number;
  retentionDays: number;
}

export interface LoggedPrediction {
  id: number;
  model: string;
  version: number;
  requestId: string;
  protocol: string;
  latencyMs: number;
  features: Record<string, number> | null;
  imageStats: Record<string, number> | null;
  output: { label?: string; probability?: number; value?: number };
  label: string | null;
  createdAt: string;
}

export interface PredictionFilter {
  version?: number;
  label?: string;
  from?: string;
  to?: string;
}

export interface FeatureDrift {
  feature: string;
  psi: number;
  ksStatistic: number;
  ksPValue: number;
  drifted: boolean;
  histogram: { edges: number[]; reference: number[]; live: number[] };
  referenceMean: number;
  liveMean: number;
}

export interface DriftReport {
  model: string;
  version: number;
  referenceVersion: number;
  referenceSource: string;
  referenceRows: number;
  liveRows: number;
  features: FeatureDrift[];
  driftedShare: number;
  drifted: boolean;
  labels: { reference: Record<string, number>; live: Record<string, number> };
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...authHeaders(init.method), ...init.headers },
    });
  } catch {
    throw networkError();
  }
  const text = await res.text();
  if (!res.ok) {
    onUnauthenticated(res.status);
    throw errorFromResponse(res.status, res.statusText, text);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError('INVALID_RESPONSE', `The server's answer to ${path} was not JSON.`, res.status);
  }
}

const model = (name: string) => `/api/models/${encodeURIComponent(name)}`;

export function filterQuery(f: PredictionFilter & { cursor?: number; limit?: number }): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const observabilityApi = {
  summary: () => call<LiveSummary>('/api/metrics/summary'),
  settings: (name: string) => call<LoggingSettings>(`${model(name)}/prediction-logging`),
  setSettings: (name: string, patch: Partial<LoggingSettings>) =>
    call<LoggingSettings>(`${model(name)}/prediction-logging`, {
      method: 'PUT',
      body: JSON.stringify(patch),
      headers: { 'content-type': 'application/json' },
    }),
  predictions: (name: string, f: PredictionFilter & { cursor?: number }) =>
    call<{ items: LoggedPrediction[]; nextCursor: number | null }>(
      `${model(name)}/predictions${filterQuery({ ...f, limit: 50 })}`,
    ),
  csvUrl: (name: string, f: PredictionFilter) => `${model(name)}/predictions.csv${filterQuery(f)}`,
  drift: (name: string, f: { version?: number; from?: string; to?: string }) =>
    call<DriftReport>(`${model(name)}/drift${filterQuery(f)}`),
};
