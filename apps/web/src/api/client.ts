// A small typed fetch wrapper over the Model Garden HTTP API (docs/api.md).

import type {
  AliasAssignment,
  AliasHistoryEntry,
  ApiKeyInfo,
  AuditEntry,
  CreatedApiKey,
  ModelDetail,
  ModelSummary,
  NewApiKey,
  PredictResponse,
} from '@modelgarden/sdk';
import { authHeaders, onUnauthenticated } from '../auth/session-state';
import { ApiError, errorFromResponse, networkError } from './api-error';

/**
 * One call: auth headers in, an ApiError out on failure; a 204 answers `undefined`. The answer is read
 * as JSON unless `parse` says otherwise (see `requestText`).
 */
export async function request<T>(
  path: string,
  init: RequestInit = {},
  parse: (text: string) => T = JSON.parse,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...authHeaders(init.method), ...init.headers },
    });
  } catch {
    throw networkError();
  }
  const text = await response.text();
  if (!response.ok) {
    const error = errorFromResponse(response.status, response.statusText, text);
    // A wrong password typed into a form (changing one's own) is not a lost session.
    if (error.code !== 'INVALID_CREDENTIALS') onUnauthenticated(response.status);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  try {
    return parse(text);
  } catch {
    throw new ApiError('INVALID_RESPONSE', `The server's answer to ${path} was not JSON.`, response.status);
  }
}

/** A call whose answer is text, not JSON (the Prometheus exposition at `/metrics`). */
export function requestText(path: string, init: RequestInit = {}): Promise<string> {
  return request(path, { ...init, headers: { accept: 'text/plain', ...init.headers } }, (text) => text);
}

/** A JSON request body with its content type, to spread into `request`'s init. */
export function json(body: unknown): RequestInit {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

export const modelPath = (name: string) => `/api/models/${encodeURIComponent(name)}`;

/** Which version a prediction goes to; none means the server default (production, else latest). */
export interface VersionSelector {
  version?: number;
  alias?: string;
}

function predictPath(name: string, selector: VersionSelector): string {
  const query = new URLSearchParams();
  if (selector.version !== undefined) query.set('version', String(selector.version));
  else if (selector.alias !== undefined) query.set('alias', selector.alias);
  const qs = query.toString();
  return `${modelPath(name)}/predict${qs ? `?${qs}` : ''}`;
}

export const api = {
  async listKeys(): Promise<ApiKeyInfo[]> {
    return (await request<{ keys: ApiKeyInfo[] }>('/api/keys')).keys;
  },

  /** The answer's `key` is shown this once. */
  createKey(input: NewApiKey): Promise<CreatedApiKey> {
    return request('/api/keys', { method: 'POST', ...json(input) });
  },

  revokeKey(id: number): Promise<ApiKeyInfo> {
    return request(`/api/keys/${id}`, { method: 'DELETE' });
  },

  /** The audit log (admins), newest first; filters: actor, action, target prefix. */
  audit(filter: Record<string, string>): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== ''));
    const qs = query.toString();
    return request(`/api/audit${qs ? `?${qs}` : ''}`);
  },

  async listModels(): Promise<ModelSummary[]> {
    const body = await request<{ models: ModelSummary[] }>('/api/models');
    return body.models;
  },

  getModel(name: string): Promise<ModelDetail> {
    return request<ModelDetail>(modelPath(name));
  },

  /** `force` moves it even when the version's inputs differ from the alias's current one. */
  setAlias(name: string, alias: string, version: number, force = false): Promise<AliasAssignment> {
    return request<AliasAssignment>(`${modelPath(name)}/aliases/${encodeURIComponent(alias)}`, {
      method: 'PUT',
      ...json(force ? { version, force } : { version }),
    });
  },

  /** Moves an alias back to where it pointed before its latest move. */
  rollback(name: string, alias: string): Promise<AliasAssignment> {
    return request<AliasAssignment>(`${modelPath(name)}/aliases/${encodeURIComponent(alias)}/rollback`, {
      method: 'POST',
    });
  },

  async aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]> {
    const path = `${modelPath(name)}/aliases/${encodeURIComponent(alias)}/history`;
    return (await request<{ history: AliasHistoryEntry[] }>(path)).history;
  },

  /** Tabular prediction for one row of named features. */
  predictTabular(
    name: string,
    inputs: Record<string, number>,
    selector: VersionSelector = {},
  ): Promise<PredictResponse> {
    return request<PredictResponse>(predictPath(name, selector), { method: 'POST', ...json({ inputs }) });
  },

  /** Image prediction from a data URL (e.g. a canvas's PNG). */
  predictImageDataUrl(name: string, image: string, selector: VersionSelector = {}): Promise<PredictResponse> {
    return request<PredictResponse>(predictPath(name, selector), { method: 'POST', ...json({ image }) });
  },

  /** Image prediction from a file, sent as the multipart field `image`. */
  predictImageFile(name: string, file: File, selector: VersionSelector = {}): Promise<PredictResponse> {
    const form = new FormData();
    form.append('image', file, file.name);
    return request<PredictResponse>(predictPath(name, selector), { method: 'POST', body: form });
  },
};
