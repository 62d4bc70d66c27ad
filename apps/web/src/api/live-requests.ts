// Requests each version of a model served since a baseline, polled from the server's counters.

import { useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { ApiError } from './api-error';
import { trafficApi } from './traffic';

const POLL_MS = 2000;

export interface LiveRequests {
  /** Requests per version since the baseline; undefined until the first reading. */
  counts: Record<number, number> | undefined;
  error: ApiError | null;
  /** Starts counting from now (e.g. after the split changed). */
  restart(): void;
}

/** `enabled`: poll only while there is something to compare (a split or a shadow). */
export function useLiveRequests(model: string, enabled = true): LiveRequests {
  const query = useQuery<Record<number, number>, ApiError>({
    queryKey: ['live-requests', model],
    queryFn: () => trafficApi.requestsPerVersion(model),
    enabled,
    refetchInterval: POLL_MS,
    staleTime: 0,
    retry: false,
  });
  // The first reading at or after `since` is the baseline; `restart` moves `since` to now.
  const [since, setSince] = useState(0);
  const [baseline, setBaseline] = useState<Record<number, number> | null>(null);
  const reading = query.data;
  if (reading && baseline === null && query.dataUpdatedAt >= since) setBaseline(reading);
  const { refetch } = query;
  const restart = useCallback(() => {
    setSince(Date.now());
    setBaseline(null);
    void refetch();
  }, [refetch]);

  let counts: Record<number, number> | undefined;
  if (reading && baseline) {
    counts = {};
    for (const [version, total] of Object.entries(reading)) {
      counts[Number(version)] = total - (baseline[Number(version)] ?? 0);
    }
  }
  return { counts, error: query.error, restart };
}
