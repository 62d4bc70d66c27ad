// The catalog's search: name/description substring, task and tag filters (the server does these).

import type { ModelList, ModelQuery } from '@modelgarden/sdk';
import { call } from './client';

/** The most models one page of the catalog asks for (the server's limit). */
export const CATALOG_LIMIT = 500;

export const catalogApi = {
  search(query: ModelQuery): Promise<ModelList> {
    const filters: ModelQuery = { limit: query.limit ?? CATALOG_LIMIT };
    for (const key of ['q', 'tag', 'task', 'offset'] as const) {
      const value = query[key];
      if (value !== undefined && value !== '') Object.assign(filters, { [key]: value });
    }
    return call((c) => c.searchModels(filters));
  },
};
