/**
 * The wire types of LLM providers and model aliases as admins manage them (`/api/llm/providers`,
 * `/api/llm/aliases`). A provider's credential is write-only: requests may carry `apiKey`, no answer
 * does (`hasApiKey` says whether one is set). Names, URLs and model references are checked by the
 * domain (llm/managed-llm.ts) with their own error codes; these schemas check the shapes.
 */
import { z } from 'zod';

export const llmProviderKindSchema = z
  .enum(['openai-compatible', 'anthropic', 'gemini', 'ollama'])
  .meta({ id: 'LlmProviderKind' });

/** Where a provider or alias is configured: only `database` ones can be changed through the API. */
export const llmConfigSourceSchema = z.enum(['env', 'file', 'database']).meta({ id: 'LlmConfigSource' });

const timeoutMs = z.number().int().positive().max(3_600_000).nullable();
const modelIds = z.array(z.string().min(1).max(256)).max(1000);
/**
 * Write-only. Sent in a header, so visible ASCII only: a line break, a space or a look-alike
 * character pasted with it would otherwise be stored and fail every call to the provider.
 */
const apiKey = z
  .string()
  .min(1)
  .max(8192)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters without spaces (it is sent in a header)');

export const newLlmProviderSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    kind: llmProviderKindSchema,
    /** Default per kind (OpenAI's, Anthropic's, Gemini's API; Ollama on 127.0.0.1:11434). */
    baseUrl: z.string().min(1).max(2000).optional(),
    apiKey: apiKey.optional(),
    models: modelIds.optional(),
    enabled: z.boolean().optional(),
    connectTimeoutMs: timeoutMs.optional(),
    requestTimeoutMs: timeoutMs.optional(),
  })
  .meta({ id: 'NewLlmProvider' });

export const llmProviderPatchSchema = z
  .strictObject({
    kind: llmProviderKindSchema.optional(),
    baseUrl: z.string().min(1).max(2000).optional(),
    /** A new credential; null removes it; left out keeps it. */
    apiKey: apiKey.nullable().optional(),
    models: modelIds.optional(),
    enabled: z.boolean().optional(),
    connectTimeoutMs: timeoutMs.optional(),
    requestTimeoutMs: timeoutMs.optional(),
    /** The revision this change was made against: refused with LLM_CONFIG_CONFLICT when it moved on. */
    revision: z.number().int().min(1).optional(),
  })
  .meta({ id: 'LlmProviderPatch' });

/**
 * One provider as `GET /api/llm/providers` lists it. Everyone who may read models sees the first
 * group (the chat page uses it); admins also get the second, which still holds no credential.
 */
export const llmProviderSchema = z
  .object({
    name: z.string(),
    kind: llmProviderKindSchema,
    source: llmConfigSourceSchema,
    enabled: z.boolean(),
    /** `active` (in the catalog), `disabled`, or `error` (its credential cannot be opened: see `error`). */
    state: z.enum(['active', 'disabled', 'error']),
    /** When this replica last listed its models; null before the first listing. */
    listedAt: z.string().nullable(),
    /** Models its last listing returned. */
    models: z.number(),
    error: z.string().nullable(),
    /** Admins only, from here on. Env and LLM_CONFIG providers are changed where they are configured. */
    readOnly: z.boolean().optional(),
    baseUrl: z.string().optional(),
    /** Whether a credential is set; the credential itself is never returned. */
    hasApiKey: z.boolean().optional(),
    /** Model ids offered even when the listing is down. */
    configuredModels: z.array(z.string()).optional(),
    connectTimeoutMs: z.number().nullable().optional(),
    requestTimeoutMs: z.number().nullable().optional(),
    /** Database providers: bumped by every change (send it back in a patch); null otherwise. */
    revision: z.number().nullable().optional(),
    createdBy: z.string().nullable().optional(),
    updatedBy: z.string().nullable().optional(),
    createdAt: z.string().nullable().optional(),
    updatedAt: z.string().nullable().optional(),
  })
  .meta({ id: 'LlmProvider' });

export const llmProvidersSchema = z
  .object({
    /** Whether any provider is configured (the chat page says which variable to set otherwise). */
    configured: z.boolean(),
    providers: z.array(llmProviderSchema),
    /** Admins only: whether credentials can be stored (MODELGARDEN_SECRET_KEY is set), and the key's id. */
    secretKey: z.object({ configured: z.boolean(), keyId: z.string().nullable() }).optional(),
  })
  .meta({ id: 'LlmProviders' });

export const llmProviderNameParams = z.object({ name: z.string().min(1).max(200) });

const modelRef = z.string().min(1).max(400);

export const llmAliasDeploymentSchema = z
  .strictObject({
    /** `<provider>/<model id>`. */
    model: modelRef,
    weight: z.number().positive().max(1_000_000).default(1),
  })
  .meta({ id: 'LlmAliasDeployment' });

export const newLlmAliasSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    deployments: z.array(llmAliasDeploymentSchema).min(1).max(50),
    fallbacks: z.array(modelRef).max(50).optional(),
  })
  .meta({ id: 'NewLlmAlias' });

export const llmAliasPatchSchema = z
  .strictObject({
    deployments: z.array(llmAliasDeploymentSchema).min(1).max(50).optional(),
    fallbacks: z.array(modelRef).max(50).optional(),
    revision: z.number().int().min(1).optional(),
  })
  .meta({ id: 'LlmAliasPatch' });

export const llmAliasSchema = z
  .object({
    name: z.string(),
    source: llmConfigSourceSchema,
    readOnly: z.boolean(),
    deployments: z.array(z.object({ model: z.string(), weight: z.number() })),
    fallbacks: z.array(z.string()),
    revision: z.number().nullable(),
    createdBy: z.string().nullable(),
    updatedBy: z.string().nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'LlmAlias' });

export const llmAliasListSchema = z.object({ aliases: z.array(llmAliasSchema) }).meta({ id: 'LlmAliasList' });

export type NewLlmProvider = z.infer<typeof newLlmProviderSchema>;
export type LlmProviderPatch = z.infer<typeof llmProviderPatchSchema>;
export type LlmProviderView = z.infer<typeof llmProviderSchema>;
export type LlmProviderKindName = z.infer<typeof llmProviderKindSchema>;
export type NewLlmAlias = z.input<typeof newLlmAliasSchema>;
export type LlmAliasPatch = z.input<typeof llmAliasPatchSchema>;
export type LlmAliasView = z.infer<typeof llmAliasSchema>;
