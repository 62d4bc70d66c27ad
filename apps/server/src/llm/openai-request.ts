/**
 * From OpenAI's request wire format to the provider spec: validation (every problem a 400 naming
 * the field in `param`), the fields the gateway never honours refused by name, and the check that
 * a deployment's provider can honour what the request uses (tools, images, seed, response_format,
 * penalties) — deployments that cannot are skipped, and a 400 says so when none can.
 */
import type { z } from 'zod';
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
  type EmbeddingRequestBody,
  embeddingRequestSchema,
} from '../contract/openai-schemas.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Route } from './router.js';
import type { ChatMessage, ChatRequest, ContentPart, ProviderCapabilities, ToolDefinition } from './spec.js';

function pathOf(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function invalid(error: z.ZodError): ModelGardenError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const param = pathOf([...issue.path, issue.keys[0]!]);
    return new ModelGardenError('UNSUPPORTED_PARAMETER', `Unrecognized request argument supplied: ${param}`, {
      details: { param },
    });
  }
  const param = pathOf(issue.path);
  return new ModelGardenError(
    'VALIDATION_FAILED',
    `Invalid value for '${param || 'body'}': ${issue.message}`.slice(0, 400),
    { details: { param: param || null } },
  );
}

function unsupported(param: string, why: string): ModelGardenError {
  return new ModelGardenError('UNSUPPORTED_PARAMETER', `'${param}' is not supported: ${why}`, {
    details: { param },
  });
}

export function parseChatCompletion(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ModelGardenError('VALIDATION_FAILED', 'The body must be a JSON object', {
      details: { param: null },
    });
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const r = parsed.data;
  if ((r.n ?? 1) !== 1) throw unsupported('n', 'the gateway returns one choice');
  if (r.logprobs) throw unsupported('logprobs', 'no provider behind the gateway returns them');
  if (r.top_logprobs !== undefined && r.top_logprobs !== null)
    throw unsupported('top_logprobs', 'no provider behind the gateway returns them');
  if (r.logit_bias && Object.keys(r.logit_bias).length > 0)
    throw unsupported('logit_bias', 'token ids differ between providers');
  for (const [i, m] of r.messages.entries())
    if (Array.isArray(m.content))
      for (const [j, part] of m.content.entries())
        if (part.type !== 'text' && part.type !== 'image_url')
          throw unsupported(`messages[${i}].content[${j}]`, `${part.type} parts are not supported`);
  if (r.tool_choice && typeof r.tool_choice === 'object') {
    const name = r.tool_choice.function.name;
    if (!r.tools?.some((t) => t.function.name === name))
      throw new ModelGardenError('VALIDATION_FAILED', `tool_choice names "${name}", which is not in tools`, {
        details: { param: 'tool_choice' },
      });
  }
  if (r.tool_choice && r.tool_choice !== 'none' && !r.tools?.length)
    throw new ModelGardenError('VALIDATION_FAILED', "'tool_choice' needs 'tools'", {
      details: { param: 'tool_choice' },
    });
  return r;
}

export function parseEmbedding(body: unknown): EmbeddingRequestBody & { input: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ModelGardenError('VALIDATION_FAILED', 'The body must be a JSON object', {
      details: { param: null },
    });
  const parsed = embeddingRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const input = parsed.data.input;
  if (Array.isArray(input) && input.some((x) => typeof x !== 'string'))
    throw unsupported('input', 'token-id inputs are not supported; send text');
  const texts = typeof input === 'string' ? [input] : (input as string[]);
  if (texts.some((t) => t.length === 0))
    throw new ModelGardenError('VALIDATION_FAILED', "'input' cannot contain an empty string", {
      details: { param: 'input' },
    });
  return { ...parsed.data, input: texts };
}

/** The provider-spec request (model left for the router to fill in per deployment). */
export function toChatRequest(r: ChatCompletionRequest): Omit<ChatRequest, 'model'> {
  const out: Omit<ChatRequest, 'model'> = { messages: r.messages.map(toMessage) };
  if (r.tools?.length)
    out.tools = r.tools.map((t) => ({
      type: 'function',
      function: clean(t.function) as ToolDefinition['function'],
    }));
  if (r.tool_choice !== undefined) out.toolChoice = r.tool_choice;
  if (r.parallel_tool_calls !== undefined) out.parallelToolCalls = r.parallel_tool_calls;
  if (r.response_format) out.responseFormat = r.response_format as ChatRequest['responseFormat'];
  if (r.temperature !== undefined && r.temperature !== null) out.temperature = r.temperature;
  if (r.top_p !== undefined && r.top_p !== null) out.topP = r.top_p;
  const max = r.max_completion_tokens ?? r.max_tokens;
  if (max !== undefined && max !== null) out.maxTokens = max;
  if (r.stop !== undefined && r.stop !== null) out.stop = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (r.seed !== undefined && r.seed !== null) out.seed = r.seed;
  if (r.presence_penalty !== undefined && r.presence_penalty !== null)
    out.presencePenalty = r.presence_penalty;
  if (r.frequency_penalty !== undefined && r.frequency_penalty !== null)
    out.frequencyPenalty = r.frequency_penalty;
  if (r.user !== undefined) out.user = r.user;
  return out;
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

function toMessage(m: ChatCompletionRequest['messages'][number]): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return clean({ role: m.role, content: m.content as string | ContentPart[], name: m.name });
    case 'user':
      return clean({ role: 'user', content: m.content as string | ContentPart[], name: m.name });
    case 'assistant':
      return clean({
        role: 'assistant',
        content: (m.content ?? null) as string | ContentPart[] | null,
        tool_calls: m.tool_calls,
        name: m.name,
      }) as ChatMessage;
    case 'tool':
      return { role: 'tool', content: m.content as string | ContentPart[], tool_call_id: m.tool_call_id };
  }
}

/** The capabilities a request needs, each with the field to name when refusing it. */
function needs(r: Omit<ChatRequest, 'model'>): Array<[keyof ProviderCapabilities, string]> {
  const out: Array<[keyof ProviderCapabilities, string]> = [];
  if (r.tools?.length) out.push(['tools', 'tools']);
  const image = r.messages.findIndex(
    (m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'),
  );
  if (image >= 0) out.push(['images', `messages[${image}].content`]);
  if (r.seed !== undefined) out.push(['seed', 'seed']);
  if (r.responseFormat && r.responseFormat.type !== 'text') out.push(['responseFormat', 'response_format']);
  if (r.presencePenalty !== undefined) out.push(['penalties', 'presence_penalty']);
  else if (r.frequencyPenalty !== undefined) out.push(['penalties', 'frequency_penalty']);
  return out;
}

/**
 * The route narrowed to deployments whose provider honours every field the request uses; a 400
 * naming the first field no deployment can honour.
 */
export function routeFor(route: Route, request: Omit<ChatRequest, 'model'>): Route {
  const required = needs(request);
  if (required.length === 0) return route;
  const able = (d: Route['deployments'][number]) => required.every(([cap]) => d.provider.capabilities[cap]);
  const narrowed = {
    ...route,
    deployments: route.deployments.filter(able),
    fallbacks: route.fallbacks.filter(able),
  };
  if (narrowed.deployments.length + narrowed.fallbacks.length > 0) {
    if (narrowed.deployments.length === 0)
      return { ...narrowed, deployments: narrowed.fallbacks, fallbacks: [] };
    return narrowed;
  }
  const all = [...route.deployments, ...route.fallbacks];
  const [cap, param] = required.find(([c]) => all.every((d) => !d.provider.capabilities[c])) ?? required[0]!;
  const providers = [...new Set(all.map((d) => d.provider.name))].join(', ');
  throw unsupported(param, `${route.model} (provider ${providers}) does not support ${capabilityName[cap]}`);
}

const capabilityName: Record<keyof ProviderCapabilities, string> = {
  tools: 'tools',
  images: 'image inputs',
  embeddings: 'embeddings',
  seed: 'seed',
  responseFormat: 'response_format',
  penalties: 'presence/frequency penalties',
};
