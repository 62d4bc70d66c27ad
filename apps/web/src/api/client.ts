// The web app's one way to the server: the SDK's client, with the session cookie and CSRF token.
// Every call goes through `call`, which turns the SDK's errors into the ApiError the UI shows.

import {
  type ModelDetail,
  ModelGardenClient,
  type ModelSummary,
  type PredictResponse,
} from '@modelgarden/sdk';
import { currentCsrfToken, onUnauthenticated } from '../auth/session-state';
import { toApiError } from './api-error';

/** The SDK client for this page's server (same origin: the session cookie goes with every call). */
export const client = new ModelGardenClient({
  baseUrl: '/',
  credentials: 'same-origin',
  csrfToken: currentCsrfToken,
  // A wrong password typed into a form (changing one's own) is not a lost session.
  onError: (error) => {
    if (error.code !== 'INVALID_CREDENTIALS') onUnauthenticated(error.status);
  },
});

/**
 * Runs one SDK call; its failure becomes an ApiError.
 * @example const models = await call((c) => c.listModels());
 */
export async function call<T>(run: (sdk: ModelGardenClient) => Promise<T>): Promise<T> {
  try {
    return await run(client);
  } catch (error) {
    throw toApiError(error);
  }
}

/** Which version a prediction goes to; none means the server default (production, else latest). */
export interface VersionSelector {
  version?: number;
  alias?: string;
}

export const api = {
  listKeys: () => call((c) => c.listKeys()),
  createKey: (input: Parameters<ModelGardenClient['createKey']>[0]) => call((c) => c.createKey(input)),
  revokeKey: (id: number) => call((c) => c.revokeKey(id)),

  /** The audit log (admins), newest first; filters: actor, action, target prefix (empty ones left out). */
  audit: (filter: Record<string, string>) =>
    call((c) => c.audit(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== '')))),

  listModels: (): Promise<ModelSummary[]> => call((c) => c.listModels()),
  getModel: (name: string): Promise<ModelDetail> => call((c) => c.getModel(name)),

  /** `force` moves it even when the version's inputs differ from the alias's current one. */
  setAlias: (name: string, alias: string, version: number, force = false) =>
    call((c) => c.setAlias(name, alias, version, { force })),

  /** Moves an alias back to where it pointed before its latest move. */
  rollback: (name: string, alias: string) => call((c) => c.rollback(name, alias)),
  aliasHistory: (name: string, alias: string) => call((c) => c.aliasHistory(name, alias)),

  /** Tabular prediction for one row of named features. */
  predictTabular: (name: string, inputs: Record<string, number>, selector: VersionSelector = {}) =>
    call<PredictResponse>((c) => c.predict(name, inputs, target(selector))),

  /** Image prediction from a data URL (e.g. a canvas's PNG). */
  predictImageDataUrl: (name: string, image: string, selector: VersionSelector = {}) =>
    call<PredictResponse>((c) => c.predictImage(name, image, target(selector))),

  /** Image prediction from a file. */
  predictImageFile: (name: string, file: File, selector: VersionSelector = {}) =>
    call<PredictResponse>((c) => c.predictImage(name, file, target(selector))),
};

/** A version wins over an alias, as the page offers one or the other. */
function target({ version, alias }: VersionSelector): VersionSelector {
  return version !== undefined ? { version } : alias !== undefined ? { alias } : {};
}
