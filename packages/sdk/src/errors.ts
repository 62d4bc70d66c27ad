// The two ways a call can fail: the server answered with an error, or no answer came at all.

/** The server's stable error codes, as docs/errors.md lists them (errors.test.ts keeps the two equal). */
export const SERVER_ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'JSON_TOO_COMPLEX',
  'INVALID_MODEL_NAME',
  'INVALID_ALIAS_NAME',
  'INVALID_VERSION',
  'INVALID_METADATA',
  'INVALID_INPUT',
  'INPUT_SHAPE_MISMATCH',
  'INPUT_DATATYPE_MISMATCH',
  'UNKNOWN_INPUT',
  'MISSING_INPUT',
  'UNKNOWN_OUTPUT',
  'UNKNOWN_FEATURE',
  'MISSING_FEATURE',
  'INVALID_IMAGE',
  'UNSUPPORTED_TASK',
  'MISSING_FILE',
  'INVALID_ALIAS_ROUTE',
  'INVALID_IDEMPOTENCY_KEY',
  'INVALID_REFERENCE',
  'INVALID_USER_NAME',
  'WEAK_PASSWORD',
  'INVALID_SCOPE',
  'UNSUPPORTED_PARAMETER',
  'INVALID_PROVIDER_NAME',
  'INVALID_PROVIDER_URL',
  'PROVIDER_API_KEY_REQUIRED',
  'INVALID_LLM_ALIAS_NAME',
  'INVALID_DEPLOYMENT',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'CSRF_TOKEN_INVALID',
  'MODEL_NOT_ALLOWED',
  'USER_NOT_FOUND',
  'API_KEY_NOT_FOUND',
  'CONVERSATION_NOT_FOUND',
  'INVALID_COLLECTION_NAME',
  'COLLECTION_NOT_FOUND',
  'DOCUMENT_NOT_FOUND',
  'PROVIDER_NOT_FOUND',
  'LLM_ALIAS_NOT_FOUND',
  'COLLECTION_EXISTS',
  'PROVIDER_EXISTS',
  'LLM_ALIAS_EXISTS',
  'PROVIDER_IN_USE',
  'LLM_CONFIG_READ_ONLY',
  'LLM_CONFIG_CONFLICT',
  'SECRET_KEY_NOT_CONFIGURED',
  'INVALID_DOCUMENT',
  'USER_EXISTS',
  'LAST_ADMIN',
  'RATE_LIMITED',
  'BUDGET_EXCEEDED',
  'NOT_FOUND',
  'MODEL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'ALIAS_NOT_FOUND',
  'REFERENCE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'MODEL_EXISTS',
  'VERSION_IN_USE',
  'VERSION_ARCHIVED',
  'SCHEMA_CHANGE_NEEDS_FORCE',
  'NO_ROLLBACK_TARGET',
  'ALIAS_CONFLICT',
  'IDEMPOTENCY_KEY_IN_PROGRESS',
  'PAYLOAD_TOO_LARGE',
  'IMAGE_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_MODEL_FILE',
  'IDEMPOTENCY_KEY_REUSED',
  'QUEUE_FULL',
  'CANCELLED',
  'MODEL_NOT_READY',
  'MODEL_LOAD_FAILED',
  'ARTIFACT_CORRUPT',
  'INFERENCE_FAILED',
  'INTERNAL',
  'UPSTREAM_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'DEADLINE_EXCEEDED',
] as const;

export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

/** Codes the client gives to failures that carry no server code of their own. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'INVALID_RESPONSE' | `HTTP_${number}`;

/** A code from a newer server is passed through as it is, hence the open `string`. */
export type ApiErrorCode = ServerErrorCode | ClientErrorCode | (string & {});

/**
 * The server answered with a non-2xx status. `code` is the server's stable code (see docs/errors.md),
 * or `HTTP_<status>` when the answer had none (the OIP routes answer `{"error": "message"}`).
 */
export class ModelGardenApiError extends Error {
  override readonly name = 'ModelGardenApiError';
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: unknown;
  readonly method: string;
  readonly url: string;

  constructor(init: {
    status: number;
    code: ApiErrorCode;
    message: string;
    details?: unknown;
    method: string;
    url: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.method = init.method;
    this.url = init.url;
  }

  /** Build the error from an answer's status and raw body, whatever shape the body has. */
  static fromResponse(method: string, url: string, status: number, statusText: string, body: string) {
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error) && typeof error.code === 'string') {
      return new ModelGardenApiError({
        status,
        code: error.code,
        message: typeof error.message === 'string' ? error.message : `${status} ${statusText}`,
        details: error.details,
        method,
        url,
      });
    }
    const message =
      typeof error === 'string' ? error : body.trim().slice(0, 500) || `${status} ${statusText}`.trim();
    return new ModelGardenApiError({ status, code: `HTTP_${status}`, message, method, url });
  }
}

/** The request never got an answer (connection refused, DNS, reset, aborted); `cause` holds the original. */
export class ModelGardenNetworkError extends Error {
  override readonly name = 'ModelGardenNetworkError';
  readonly code = 'NETWORK_ERROR';
  readonly method: string;
  readonly url: string;

  constructor(method: string, url: string, cause: unknown) {
    super(`${method} ${url} failed: ${describeCause(cause)}`, { cause });
    this.method = method;
    this.url = url;
  }
}

// Node's fetch throws `TypeError('fetch failed')` and keeps the useful part (ECONNREFUSED …) in `cause`.
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error && inner.message) return inner.message;
  if (isRecord(inner) && typeof inner.code === 'string') return `${cause.message} (${inner.code})`;
  return cause.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
