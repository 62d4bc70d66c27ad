// TanStack Query hooks and keys for the registry endpoints.

import type { AliasAssignment, AliasHistoryEntry, ModelDetail } from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiError } from './api-error';
import { api } from './client';

export const queryKeys = {
  models: ['models'] as const,
  model: (name: string) => ['models', name] as const,
  aliasHistory: (name: string, alias: string) => ['models', name, 'aliases', alias, 'history'] as const,
};

export function useModel(name: string) {
  return useQuery<ModelDetail, ApiError>({
    queryKey: queryKeys.model(name),
    queryFn: () => api.getModel(name),
  });
}

/** Points an alias of `name` at a version, then refreshes the model and the catalog. */
export function useSetAlias(name: string) {
  const client = useQueryClient();
  return useMutation<AliasAssignment, ApiError, { alias: string; version: number; force?: boolean }>({
    mutationFn: ({ alias, version, force }) => api.setAlias(name, alias, version, force),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.models }),
  });
}

/** Rolls an alias of `name` back to its previous target, then refreshes the model, catalog and history. */
export function useRollback(name: string) {
  const client = useQueryClient();
  return useMutation<AliasAssignment, ApiError, { alias: string }>({
    mutationFn: ({ alias }) => api.rollback(name, alias),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.models }),
  });
}

export function useAliasHistory(name: string, alias: string) {
  return useQuery<AliasHistoryEntry[], ApiError>({
    queryKey: queryKeys.aliasHistory(name, alias),
    queryFn: () => api.aliasHistory(name, alias),
  });
}
