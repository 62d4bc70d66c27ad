// Knowledge bases over the SDK: query keys and TanStack Query hooks for collections, their documents
// (polled while any is being ingested), search and the evaluation figures; uploads go through XHR for
// their progress.

import type {
  Collection,
  CollectionDocument,
  CollectionEvaluation,
  CreateCollection,
  SearchResponse,
  UploadedDocument,
} from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiError } from '../api/api-error';
import { call } from '../api/client';
import { sendForm } from '../api/upload';

/** How often the documents list is read again while one of them is still `processing`. */
export const INGEST_POLL_MS = 1000;

export const collectionKeys = {
  all: ['collections'] as const,
  one: (name: string) => ['collections', name] as const,
  documents: (name: string) => ['collections', name, 'documents'] as const,
  evaluation: (name: string) => ['collections', name, 'evaluation'] as const,
};

export function useCollections() {
  return useQuery<Collection[], ApiError>({
    queryKey: collectionKeys.all,
    queryFn: () => call((c) => c.listCollections()),
  });
}

export function useCollection(name: string) {
  return useQuery<Collection, ApiError>({
    queryKey: collectionKeys.one(name),
    queryFn: () => call((c) => c.getCollection(name)),
    retry: (count, error) => error.status !== 404 && count < 2,
  });
}

/** The documents, read again every second while any is still being ingested. */
export function useDocuments(name: string, enabled: boolean) {
  const client = useQueryClient();
  return useQuery<CollectionDocument[], ApiError>({
    queryKey: collectionKeys.documents(name),
    queryFn: async () => {
      const documents = await call((c) => c.listDocuments(name));
      // The counts on the collection follow its documents.
      void client.invalidateQueries({ queryKey: collectionKeys.one(name), exact: true });
      return documents;
    },
    enabled,
    refetchInterval: (query) =>
      query.state.data?.some((d) => d.status === 'processing') ? INGEST_POLL_MS : false,
  });
}

/** The shipped question set's figures, read again while the collection is still being ingested. */
export function useEvaluation(name: string) {
  return useQuery<CollectionEvaluation, ApiError>({
    queryKey: collectionKeys.evaluation(name),
    queryFn: () => call((c) => c.collectionEvaluation(name)),
    refetchInterval: (query) => (query.state.data?.status === 'ingesting' ? 2 * INGEST_POLL_MS : false),
  });
}

export function useCreateCollection() {
  const client = useQueryClient();
  return useMutation<Collection, ApiError, CreateCollection>({
    mutationFn: (input) => call((c) => c.createCollection(input)),
    onSuccess: () => client.invalidateQueries({ queryKey: collectionKeys.all, exact: true }),
  });
}

export function useDeleteCollection() {
  const client = useQueryClient();
  return useMutation<void, ApiError, string>({
    mutationFn: (name) => call((c) => c.deleteCollection(name)),
    onSuccess: (_, name) => {
      client.removeQueries({ queryKey: collectionKeys.one(name) });
      return client.invalidateQueries({ queryKey: collectionKeys.all, exact: true });
    },
  });
}

export function useDeleteDocument(name: string) {
  const client = useQueryClient();
  return useMutation<void, ApiError, string>({
    mutationFn: (id) => call((c) => c.deleteDocument(name, id)),
    onSuccess: () => client.invalidateQueries({ queryKey: collectionKeys.one(name) }),
  });
}

export function useSearch(name: string) {
  return useMutation<SearchResponse, ApiError, { query: string; k: number }>({
    mutationFn: ({ query, k }) => call((c) => c.searchCollection(name, query, k)),
  });
}

/**
 * `POST /api/collections/{name}/documents` with one file, reporting the fraction sent (the SDK's
 * upload runs on fetch, which cannot).
 */
export function uploadDocument(
  name: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<UploadedDocument> {
  const form = new FormData();
  form.append('file', file, file.name);
  return sendForm<UploadedDocument>(`/api/collections/${encodeURIComponent(name)}/documents`, form, {
    onProgress,
  });
}
