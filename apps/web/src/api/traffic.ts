// An alias's route: traffic split over versions and a shadow; plus the live count of requests each
// version served, read from the server's Prometheus counters.

import type { AliasInfo, AliasTarget, ShadowTarget } from '@modelgarden/sdk';
import { call } from './client';

export interface RouteChange {
  targets: AliasTarget[];
  shadow: ShadowTarget | null;
  /** Move even when a target's inputs differ from the alias's current version. */
  force?: boolean;
}

const SAMPLE = /^modelgarden_inference_requests_total\{([^}]*)\}\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * Inference requests per version of `model` in a Prometheus text exposition, all outcomes summed.
 * @example requestsPerVersion('modelgarden_inference_requests_total{model="iris",version="2",outcome="success"} 7\n', 'iris') // → { 2: 7 }
 */
export function requestsPerVersion(exposition: string, model: string): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const line of exposition.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of (sample[1] ?? '').matchAll(LABEL)) labels[key] = value;
    if (labels.model !== model) continue;
    const version = Number(labels.version);
    const value = Number(sample[2]);
    if (Number.isInteger(version) && Number.isFinite(value)) counts[version] = (counts[version] ?? 0) + value;
  }
  return counts;
}

export const trafficApi = {
  /** Sets the alias's targets (weights are relative) and its shadow in one move. */
  setRoute(name: string, alias: string, route: RouteChange): Promise<AliasInfo> {
    const { targets, shadow, force } = route;
    return call((c) => c.splitTraffic(name, alias, targets, { shadow, force }));
  },

  /** Removes the alias (its history keeps the move; rollback restores it). */
  remove: (name: string, alias: string): Promise<void> => call((c) => c.deleteAlias(name, alias)),

  /** Requests served per version of `name` since the server started (this process's counters). */
  async requestsPerVersion(name: string): Promise<Record<number, number>> {
    return requestsPerVersion(await call((c) => c.prometheusMetrics()), name);
  },
};
