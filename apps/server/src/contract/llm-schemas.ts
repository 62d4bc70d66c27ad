/**
 * The LLM gateway's REST (admin) routes: per-key settings (model allow-list, limits, content
 * storage), usage totals and rows, provider status. The OpenAI-compatible `/v1` wire format is in
 * openai-schemas.ts.
 */
import { z } from 'zod';

const limit = z.number().int().min(0).nullable();

export const llmKeySettingsSchema = z
  .object({
    allowedModels: z.array(z.string().min(1).max(256)).max(1000).nullable(),
    requestsPerMinute: limit,
    tokensPerMinute: limit,
    tokensPerDay: limit,
    tokensPerMonth: limit,
    storeContent: z.boolean(),
  })
  .strict()
  .meta({ id: 'LlmKeySettings' });

export const llmKeySettingsWithUsage = llmKeySettingsSchema
  .extend({
    used: z.object({
      minuteRequests: z.number(),
      minuteTokens: z.number(),
      dayTokens: z.number(),
      monthTokens: z.number(),
    }),
  })
  .meta({ id: 'LlmKeySettingsWithUsage' });

export const llmUsageQuery = z
  .object({
    by: z.enum(['key', 'user', 'model', 'provider']).default('model'),
    days: z.coerce.number().int().min(1).max(366).default(30),
    /** With it, the answer also holds `series`: the same sums per hour or UTC day (the admin charts). */
    interval: z.enum(['hour', 'day']).optional(),
  })
  .strict();

const usageSums = {
  group: z.string().nullable(),
  requests: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  errors: z.number(),
};

export const llmUsageTotalsSchema = z
  .object({
    by: z.enum(['key', 'user', 'model', 'provider']),
    since: z.string(),
    totals: z.array(z.object(usageSums)),
    /** Only with `?interval=`: one point per hour or UTC day and group that had requests, oldest first. */
    interval: z.enum(['hour', 'day']).optional(),
    series: z.array(z.object({ at: z.string(), ...usageSums })).optional(),
  })
  .meta({ id: 'LlmUsageTotals' });

export { llmProvidersSchema } from './llm-provider-schemas.js';
