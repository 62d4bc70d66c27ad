/**
 * The LLM gateway's OpenAI-compatible routes: `POST /v1/chat/completions` (JSON or SSE),
 * `POST /v1/embeddings`, `GET /v1/models`, `GET /v1/models/{id}`. Thin: validate, one gateway call,
 * render. Every error is OpenAI's shape with Retry-After where it helps; LLM calls need an API key
 * or a session even on a loopback bind; a client that disconnects aborts the upstream at once.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { SIGNED_IN, write } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import {
  chatCompletionEventStreamSchema,
  chatCompletionRequestSchema,
  chatCompletionSchema,
  embeddingListSchema,
  embeddingRequestSchema,
  openAiErrorSchema,
  openAiModelListSchema,
  openAiModelSchema,
} from '../../contract/openai-schemas.js';
import { ERROR_CODES, type ErrorCode, ModelGardenError } from '../../errors/model-garden-error.js';
import type { GatewayCaller, GatewayStream } from '../../llm/gateway.js';
import { ChunkWriter, openAiModel, sseError } from '../../llm/openai-format.js';
import { parseChatCompletion, parseEmbedding } from '../../llm/openai-request.js';
import type { ChatStreamPart } from '../../llm/spec.js';
import { normaliseError, openAiError } from '../error-handler.js';
import { traits } from '../route-traits.js';

const tags = ['llm'];

/** The /v1 errors a call can answer, each in OpenAI's shape. */
const ERROR_ANSWERS: Record<number, string> = {
  400: 'Invalid or unsupported request field (`param` names it)',
  401: 'No or a bad API key (or session)',
  403: 'The key lacks the scope, or may not use this model',
  404: 'Unknown model',
  413: 'Body too large',
  429: 'A rate limit or token budget was reached (Retry-After says when to retry)',
  502: 'The provider failed',
  503: 'No provider could answer',
  504: 'The provider did not answer in time',
};

/**
 * Documented answers of a /v1 route (the handlers render them by hand: no schema runs per call).
 * @example answers({ 'application/json': openAiModelSchema }, 'The model', [401, 404])
 */
function answers(ok: Record<string, ZodType>, description: string, errors: number[]) {
  const out: NonNullable<FastifySchema['responseContent']> = { 200: { description, content: ok } };
  for (const status of errors)
    out[status] = {
      description: ERROR_ANSWERS[status] ?? 'Error',
      content: { 'application/json': openAiErrorSchema },
    };
  return out;
}

/** OpenAI's own codes (and types) for the errors its clients know; the rest are ours in lower case. */
const OPENAI_CODES: Partial<Record<ErrorCode, { code: string; type?: string }>> = {
  UNAUTHENTICATED: { code: 'invalid_api_key' },
  INVALID_CREDENTIALS: { code: 'invalid_api_key' },
  RATE_LIMITED: { code: 'rate_limit_exceeded', type: 'requests' },
  BUDGET_EXCEEDED: { code: 'insufficient_quota', type: 'insufficient_quota' },
  MODEL_NOT_ALLOWED: { code: 'model_not_allowed' },
};

/** `{"error": {"message", "type", "param", "code"}}` for a gateway error. */
export function openAiErrorBody(error: ModelGardenError) {
  const body = openAiError(error, ERROR_CODES[error.code]);
  const known = OPENAI_CODES[error.code];
  if (known) {
    body.error.code = known.code;
    if (known.type) body.error.type = known.type;
  }
  return body;
}

/** The /v1 error handler: Retry-After (seconds and ms) on 429s, `x-should-retry: false` on a spent budget. */
export function llmErrorHandler(error: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = normaliseError(error);
  const status = ERROR_CODES[e.code];
  const retryAfterMs = e.details?.retryAfterMs;
  if (typeof retryAfterMs === 'number') {
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    reply.header('retry-after-ms', String(Math.round(retryAfterMs)));
  }
  if (e.code === 'BUDGET_EXCEEDED' || e.code === 'MODEL_NOT_ALLOWED') reply.header('x-should-retry', 'false');
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  if (status >= 500) req.log.error({ err: e.cause ?? e, code: e.code }, e.message);
  else req.log.info({ code: e.code }, e.message);
  return reply.status(status).send(openAiErrorBody(e));
}

/** Who the gateway counts the call against. Anonymous callers never reach a provider. */
export function callerOf(principal: Principal, requestId: string): GatewayCaller {
  if (principal.kind === 'user') {
    return principal.via === 'key' && principal.keyId !== undefined
      ? { subject: `key:${principal.keyId}`, keyId: principal.keyId, userId: principal.userId, requestId }
      : { subject: `user:${principal.userId}`, userId: principal.userId, requestId };
  }
  if (principal.kind === 'bootstrap') return { subject: 'admin-key', requestId };
  throw new ModelGardenError(
    'UNAUTHENTICATED',
    'LLM calls need credentials: send an API key as "Authorization: Bearer <key>" (or sign in)',
  );
}

/** Aborts when the client goes away before the answer is complete. */
function disconnectSignal(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const ctl = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ctl.abort();
  });
  req.raw.once('aborted', () => ctl.abort());
  return ctl.signal;
}

/**
 * A gateway stream's SSE text, pulled one part at a time while the socket takes it: each part is
 * rendered and pushed from the iterator's callback, with no chain of generators between the
 * gateway and the socket. A failure mid-stream ends it with an error event (the SDK raises
 * APIError); the client going away stops the gateway's iterator (which aborts the upstream).
 */
export class SseBody extends Readable {
  private readonly parts: AsyncIterator<ChatStreamPart>;
  private readonly writer: ChunkWriter;
  private pulling = false;

  constructor(
    private readonly stream: GatewayStream,
    includeUsage: boolean,
  ) {
    super();
    this.parts = stream.parts[Symbol.asyncIterator]();
    this.writer = new ChunkWriter(stream.id, stream.created, stream.model, includeUsage);
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    this.parts.next().then(this.onPart, this.onError);
  }

  private readonly onPart = (step: IteratorResult<ChatStreamPart>): void => {
    if (this.destroyed) return;
    if (step.done) {
      this.push(this.writer.end(this.stream.usage()));
      this.push(null);
      return;
    }
    const text = this.writer.part(step.value);
    // Keep pulling while the buffer has room; _read() resumes once the socket drains.
    if (text === '' || this.push(text)) this.parts.next().then(this.onPart, this.onError);
    else this.pulling = false;
  };

  private readonly onError = (err: unknown): void => {
    if (this.destroyed) return;
    const e = normaliseError(err);
    if (e.code !== 'CANCELLED') this.push(sseError(openAiErrorBody(e)));
    this.push(null);
  };

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.parts.return?.(undefined).catch(() => {});
    callback(error);
  }
}

/** SSE text, a failure mid-stream ending it with an error event (the SDK raises APIError). */
async function* guarded(events: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* events;
  } catch (err) {
    const e = normaliseError(err);
    if (e.code !== 'CANCELLED') yield sseError(openAiErrorBody(e));
  }
}

function sendSse(reply: FastifyReply, events: AsyncIterable<string> | Readable) {
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no');
  return reply.send(events instanceof Readable ? events : Readable.from(events, { objectMode: false }));
}

export function llmRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.setErrorHandler(llmErrorHandler);
    const gateway = ctx.llm.gateway;

    app.post(
      '/v1/chat/completions',
      {
        config: traits(write('chat'), 'llm', { errors: 'openai' }),
        schema: {
          tags,
          summary: "Chat completion in OpenAI's wire format (JSON, or SSE with stream: true)",
          description:
            "The body is OpenAI's CreateChatCompletionRequest (contract/openai-schemas.ts); `model` is an alias or `<provider>/<id>` from GET /v1/models.",
          // Documented only: the handler parses it (parseChatCompletion), so errors keep OpenAI's format.
          bodyContent: { 'application/json': chatCompletionRequestSchema },
          responseContent: answers(
            {
              'application/json': chatCompletionSchema,
              'text/event-stream': chatCompletionEventStreamSchema,
            },
            'The answer: a ChatCompletion, or with `stream: true` an event stream of ChatCompletionChunk',
            [400, 401, 403, 404, 413, 429, 502, 503, 504],
          ),
        },
      },
      async (req, reply) => {
        const caller = callerOf(req.principal, req.id);
        const body = parseChatCompletion(req.body);
        const signal = disconnectSignal(req, reply);
        if (body.modelgarden) {
          // The gateway runs Model Garden tools itself (llm/tools/tool-loop.ts).
          if (!body.stream) return ctx.toolLoop.chat(caller, req.principal, body, signal);
          const loop = await ctx.toolLoop.stream(caller, req.principal, body, signal);
          return sendSse(reply, guarded(loop.events));
        }
        if (!body.stream) return gateway.chat(caller, body, signal);
        const stream = await gateway.stream(caller, body, signal);
        return sendSse(reply, new SseBody(stream, body.stream_options?.include_usage === true));
      },
    );

    app.post(
      '/v1/embeddings',
      {
        config: traits(write('embeddings'), 'llm', { errors: 'openai' }),
        schema: {
          tags,
          summary: "Embeddings in OpenAI's wire format (float or base64 little-endian float32)",
          bodyContent: { 'application/json': embeddingRequestSchema },
          responseContent: answers(
            { 'application/json': embeddingListSchema },
            'One embedding per input, in order',
            [400, 401, 403, 404, 413, 429, 502, 503, 504],
          ),
        },
      },
      async (req, reply) => {
        const caller = callerOf(req.principal, req.id);
        const body = parseEmbedding(req.body);
        return gateway.embed(caller, body, disconnectSignal(req, reply));
      },
    );

    app.get(
      '/v1/models',
      {
        config: traits(SIGNED_IN, 'llm', { errors: 'openai' }),
        schema: {
          tags,
          summary: 'The models and aliases on offer (those your key may use)',
          responseContent: answers({ 'application/json': openAiModelListSchema }, 'The models', [401]),
        },
      },
      async (req) => {
        const models = await gateway.models(callerOf(req.principal, req.id));
        return { object: 'list', data: models.map(openAiModel) };
      },
    );

    app.get(
      '/v1/models/*',
      {
        config: traits(SIGNED_IN, 'llm', { errors: 'openai' }),
        schema: {
          tags,
          summary: 'One model or alias (ids contain a slash: /v1/models/ollama/llama3.2)',
          responseContent: answers({ 'application/json': openAiModelSchema }, 'The model', [401, 404]),
        },
      },
      async (req) => {
        const id = decodeURIComponent((req.params as { '*': string })['*']);
        return openAiModel(await gateway.model(callerOf(req.principal, req.id), id));
      },
    );
  };
}
