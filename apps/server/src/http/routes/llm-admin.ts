/**
 * The LLM gateway's admin routes: a key's model allow-list, limits and budgets, and whether its
 * prompts are stored; usage totals by key, user, model or provider. The providers and aliases are
 * llm-providers.ts's.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import { keyIdParams } from '../../contract/auth-schemas.js';
import {
  llmKeySettingsSchema,
  llmKeySettingsWithUsage,
  llmUsageQuery,
  llmUsageTotalsSchema,
} from '../../contract/llm-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { usageSeries } from '../../llm/usage-series.js';
import { traits } from '../route-traits.js';

const tags = ['llm'];

export function llmAdminRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const settingsOf = async (id: number) => {
      await ctx.auth.keys.get(id); // 404 API_KEY_NOT_FOUND
      const settings = await ctx.llm.keySettings.get(id);
      return { ...settings, used: await ctx.llm.limits.usage(`key:${id}`) };
    };

    app.get(
      '/api/llm/keys/:id',
      {
        config: traits(write('admin'), 'access'),
        schema: {
          tags,
          summary: "An API key's LLM settings and what it used this minute, day and month",
          params: keyIdParams,
          response: { 200: llmKeySettingsWithUsage, 404: errorSchema },
        },
      },
      async (req) => settingsOf(req.params.id),
    );

    app.put(
      '/api/llm/keys/:id',
      {
        config: traits(write('admin'), 'access'),
        schema: {
          tags,
          summary:
            "Set an API key's model allow-list, limits, budgets and content storage (null: the default)",
          params: keyIdParams,
          body: llmKeySettingsSchema,
          response: { 200: llmKeySettingsWithUsage, 400: errorSchema, 404: errorSchema },
        },
      },
      async (req) => {
        await ctx.auth.keys.get(req.params.id);
        await ctx.llm.keySettings.set(req.params.id, req.body);
        return settingsOf(req.params.id);
      },
    );

    app.get(
      '/api/llm/usage',
      {
        config: traits(write('admin'), 'observability'),
        schema: {
          tags,
          summary:
            'LLM usage totals over the last days, by key, user, model or provider (and per hour or day with ?interval=)',
          querystring: llmUsageQuery,
          response: { 200: llmUsageTotalsSchema, 400: errorSchema },
        },
      },
      async (req) => {
        const since = new Date(Date.now() - req.query.days * 86_400_000);
        const { by, interval } = req.query;
        const totals = await ctx.llm.usage.totals(by, since); // writes what is buffered first
        if (!interval) return { by, since: since.toISOString(), totals };
        const series = await usageSeries(ctx.database.db, by, since, interval);
        return { by, since: since.toISOString(), totals, interval, series };
      },
    );
  };
}
