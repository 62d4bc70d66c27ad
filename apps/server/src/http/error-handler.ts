/**
 * Turns every error into JSON in the format the route declares (route-traits.ts `errors`):
 * `{"error": {"code", "message", "details"?}}` on the REST API, the Open Inference Protocol's own
 * `{"error": "message"}` on OIP routes, OpenAI's `{"error": {"message", "type", "param", "code"}}` on
 * the LLM gateway's; by URL prefix (/v2, /v1) when no route matched. Unknown errors are logged and
 * answered as INTERNAL without leaking internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, type ErrorCode, ModelGardenError } from '../errors/model-garden-error.js';
import { errorFormatOf } from './route-traits.js';

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * SQLSTATE class 22 ("data exception": a NUL character, an unsupported escape, a number out of range)
 * comes from a value the client sent that the database cannot store: a 400, not a 500. Drizzle wraps
 * the driver's error, so the cause chain is searched.
 */
function databaseDataException(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Validation issues listed in one answer. */
const MAX_ISSUES = 20;

/** Normalises anything thrown into a ModelGardenError (once, here). */
export function normaliseError(error: unknown): ModelGardenError {
  if (error instanceof ModelGardenError) return error;
  const sqlState = databaseDataException(error);
  if (sqlState) {
    return new ModelGardenError(
      'INVALID_INPUT',
      'A value in the request cannot be stored (a NUL character, an invalid escape or a number out of range)',
      { cause: error, details: { sqlState } },
    );
  }
  const e = error as FastifyError & { validation?: unknown };
  if (hasZodFastifySchemaValidationErrors(e)) {
    // One issue per bad array element could make the answer larger than the request: cap it.
    const all = e.validation.map(
      (v) => `${v.instancePath.slice(0, 100) || '(body)'}: ${(v.message ?? '').slice(0, 200)}`,
    );
    const issues = all.slice(0, MAX_ISSUES);
    const more = all.length > MAX_ISSUES ? ` (and ${all.length - MAX_ISSUES} more)` : '';
    return new ModelGardenError(
      'VALIDATION_FAILED',
      `Invalid request: ${issues.slice(0, 5).join('; ')}${more}`,
      {
        details: { issues, ...(more ? { issueCount: all.length } : {}) },
      },
    );
  }
  if (e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e instanceof SyntaxError && e.statusCode === 400)) {
    return new ModelGardenError('MALFORMED_JSON', `The body is not valid JSON: ${e.message.slice(0, 120)}`);
  }
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new ModelGardenError('MALFORMED_JSON', 'The body is empty but the content type is JSON');
  }
  if (e?.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ModelGardenError('BAD_REQUEST', 'A path segment is longer than 100 characters');
  }
  if (e?.code === 'FST_ERR_BAD_URL') return new ModelGardenError('BAD_REQUEST', 'The URL is malformed');
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  const mapped = STATUS_TO_CODE[status];
  // Framework messages may quote the request; keep them short.
  if (mapped) return new ModelGardenError(mapped, e.message.slice(0, 300), { cause: error });
  return new ModelGardenError('INTERNAL', 'Internal server error', { cause: error });
}

/** OpenAI's `error.type` for a status (../shared/reference/openai-chat-wire.md §7). */
function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/**
 * OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`, all four keys present;
 * `code` is ours in lower case (`model_not_found`), `param` the field a detail names, else null.
 */
export function openAiError(error: ModelGardenError, status: number) {
  const field = error.details?.field ?? error.details?.param;
  return {
    error: {
      message: error.message,
      type: openAiType(status),
      param: typeof field === 'string' ? field : null,
      code: error.code.toLowerCase(),
    },
  };
}

/** Answers in the error format the route declares (route-traits.ts), by URL prefix when none matched. */
const causeOf = (error: ModelGardenError) =>
  error.cause instanceof Error ? { cause: error.cause.message.slice(0, 2000) } : {};

export function sendError(request: FastifyRequest, reply: FastifyReply, error: ModelGardenError) {
  const status = ERROR_CODES[error.code];
  if (status >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
  // A client error's cause (the parser's or the runtime's own text) is logged, never sent.
  else request.log.info({ code: error.code, ...causeOf(error) }, error.message);
  const format = errorFormatOf(request);
  if (format === 'oip') return reply.status(status).send({ error: error.message });
  if (format === 'openai') return reply.status(status).send(openAiError(error, status));
  return reply.status(status).send({
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  });
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  return sendError(request, reply, normaliseError(error));
}

/** The methods a route may have (OPTIONS is left out: the CORS preflight answers it on every path). */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The methods the router has a route for at this path (looked up only when no route matched). */
export function allowedMethods(app: FastifyInstance, pathname: string): string[] {
  return ROUTE_METHODS.filter((method) => app.findRoute({ method, url: pathname }) !== null);
}

/** No route matched: 405 with `Allow` when the path has routes for other methods, else 404. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const pathname = request.url.split('?')[0] ?? '';
  const allow = allowedMethods(request.server, pathname);
  if (allow.length > 0) {
    reply.header('allow', allow.join(', '));
    return sendError(
      request,
      reply,
      new ModelGardenError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${pathname}`, {
        details: { allow },
      }),
    );
  }
  return sendError(
    request,
    reply,
    new ModelGardenError('NOT_FOUND', `No route for ${request.method} ${pathname}`),
  );
}
