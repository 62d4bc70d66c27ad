// TanStack Query hooks and keys for the registry endpoints.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiError } from './api-error';
import { api } from './client';
import type { AliasAssignment, ModelDetail, ModelSummary } from './types';

export const queryKeys = {
  models: ['models'] as const,
  model: (name: string) => ['models', name] as const,
};

export function useModels() {
  return useQuery<ModelSummary[], ApiError>({ queryKey: queryKeys.models, queryFn: () => api.listModels() });
}

export function useModel(name: string) {
  return useQuery<ModelDetail, ApiError>({
    queryKey: queryKeys.model(name),
    queryFn: () => api.getModel(name),
  });
}

/** Points an alias of `name` at a version, then refreshes the model and the catalog. */
export function useSetAlias(name: string) {
  const client = useQueryClient();
  return useMutation<AliasAssignment, ApiError, { alias: string; version: number }>({
    mutationFn: ({ alias, version }) => api.setAlias(name, alias, version),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.models }),
  });
}
