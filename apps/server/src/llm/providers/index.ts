/**
 * The one way to build a provider from configuration: `createProvider(config)` picks the module for
 * `config.kind`. The gateway's config reader (env + LLM_CONFIG) produces these configs; nothing here
 * reads the environment.
 *
 * @example
 * const ollama = createProvider({ kind: 'openai-compatible', name: 'ollama', baseURL: 'http://127.0.0.1:11434/v1' });
 * for await (const part of ollama.streamChat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] })) …
 */
import type { LlmProvider } from '../spec.js';
import { ANTHROPIC_BASE_URL, createAnthropicProvider } from './anthropic.js';
import { createGeminiProvider, GEMINI_BASE_URL } from './gemini.js';
import type { ProviderTimeouts } from './http.js';
import { createOpenAICompatibleProvider } from './openai-compatible.js';

export type { AnthropicOptions } from './anthropic.js';
export type { GeminiOptions } from './gemini.js';
export type { ProviderTimeouts } from './http.js';
export { kindForStatus, retryAfter } from './http.js';
export type { OpenAICompatibleOptions } from './openai-compatible.js';

/** What every provider config has. */
interface ProviderConfigBase {
  /** The name its models are offered under (`openai` → `openai/gpt-4o-mini`). */
  name: string;
  /** Defaults per kind: see DEFAULT_BASE_URLS. */
  baseURL?: string;
  apiKey?: string;
  /** Extra headers on every call (an organisation header, a proxy's auth). */
  headers?: Record<string, string>;
  timeouts?: ProviderTimeouts;
}

export type ProviderConfig =
  | (ProviderConfigBase & {
      kind: 'openai-compatible';
      /** Default `max_completion_tokens` for OpenAI's own API, `max_tokens` for everything else. */
      maxTokensField?: 'max_tokens' | 'max_completion_tokens';
      /** Ask for the usage chunk on streams (`stream_options.include_usage`). Default true. */
      streamUsage?: boolean;
      /** Send `developer` messages as `system`. Default true everywhere but OpenAI's own API. */
      developerAsSystem?: boolean;
    })
  | (ProviderConfigBase & {
      kind: 'anthropic';
      apiKey: string;
      /** `anthropic-version`. Default `2023-06-01`. */
      version?: string;
      /** Sent as `max_tokens` when a request gives none (the Messages API requires it). Default 4096. */
      defaultMaxTokens?: number;
    })
  | (ProviderConfigBase & {
      kind: 'gemini';
      apiKey: string;
      /** Default `v1beta`. */
      apiVersion?: string;
    });

/**
 * Where each provider lives by default. OpenAI-compatible base URLs include the version (`/v1`, as
 * `OPENAI_BASE_URL` does); Anthropic's and Gemini's do not (as their official SDKs take them).
 */
export const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  ollama: 'http://127.0.0.1:11434/v1',
  anthropic: ANTHROPIC_BASE_URL,
  gemini: GEMINI_BASE_URL,
} as const;

/** A provider for `config`; call `close()` on it when it is dropped. */
export function createProvider(config: ProviderConfig): LlmProvider {
  const common = {
    name: config.name,
    ...(config.headers ? { headers: config.headers } : {}),
    ...(config.timeouts ? { timeouts: config.timeouts } : {}),
  };
  switch (config.kind) {
    case 'openai-compatible': {
      const baseURL = config.baseURL ?? DEFAULT_BASE_URLS.openai;
      const isOpenAI = /^https:\/\/api\.openai\.com(\/|$)/.test(baseURL);
      return createOpenAICompatibleProvider({
        ...common,
        baseURL,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        maxTokensField: config.maxTokensField ?? (isOpenAI ? 'max_completion_tokens' : 'max_tokens'),
        ...(config.streamUsage === undefined ? {} : { streamUsage: config.streamUsage }),
        developerAsSystem: config.developerAsSystem ?? !isOpenAI,
      });
    }
    case 'anthropic':
      return createAnthropicProvider({
        ...common,
        apiKey: config.apiKey,
        ...(config.baseURL ? { baseURL: config.baseURL } : {}),
        ...(config.version ? { version: config.version } : {}),
        ...(config.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: config.defaultMaxTokens }),
      });
    case 'gemini':
      return createGeminiProvider({
        ...common,
        apiKey: config.apiKey,
        ...(config.baseURL ? { baseURL: config.baseURL } : {}),
        ...(config.apiVersion ? { apiVersion: config.apiVersion } : {}),
      });
  }
}
