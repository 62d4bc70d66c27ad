// The LLM admin page's calls: providers and model aliases through the SDK (admins only). A provider's
// credential is sent and never read back: answers carry `hasApiKey` only.

import type {
  LlmAlias,
  LlmAliasPatch,
  LlmProvider,
  LlmProviderPatch,
  LlmProviders,
  NewLlmAlias,
  NewLlmProvider,
} from '@modelgarden/sdk';
import { call } from '../api/client';

export const llmAdminApi = {
  providers: (): Promise<LlmProviders> => call((c) => c.llmProviders()),
  createProvider: (input: NewLlmProvider): Promise<LlmProvider> => call((c) => c.createLlmProvider(input)),
  updateProvider: (name: string, patch: LlmProviderPatch): Promise<LlmProvider> =>
    call((c) => c.updateLlmProvider(name, patch)),
  deleteProvider: (name: string): Promise<void> => call((c) => c.deleteLlmProvider(name)),
  aliases: (): Promise<LlmAlias[]> => call((c) => c.listLlmAliases()),
  createAlias: (input: NewLlmAlias): Promise<LlmAlias> => call((c) => c.createLlmAlias(input)),
  updateAlias: (name: string, patch: LlmAliasPatch): Promise<LlmAlias> =>
    call((c) => c.updateLlmAlias(name, patch)),
  deleteAlias: (name: string): Promise<void> => call((c) => c.deleteLlmAlias(name)),
};

export const PROVIDERS_KEY = ['llm-admin', 'providers'];
export const ALIASES_KEY = ['llm-admin', 'aliases'];
