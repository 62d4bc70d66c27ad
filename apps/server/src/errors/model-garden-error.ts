/**
 * One error type for the whole domain: a closed set of codes, each mapped once to an HTTP status.
 * Routes never pick statuses themselves; they throw a ModelGardenError and the HTTP layer maps it.
 */

/** Every error code Model Garden answers with, and the HTTP status it maps to. docs/errors.md lists the same. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  JSON_TOO_COMPLEX: 400,
  INVALID_MODEL_NAME: 400,
  INVALID_ALIAS_NAME: 400,
  INVALID_VERSION: 400,
  INVALID_METADATA: 400,
  INVALID_INPUT: 400,
  INPUT_SHAPE_MISMATCH: 400,
  INPUT_DATATYPE_MISMATCH: 400,
  UNKNOWN_INPUT: 400,
  MISSING_INPUT: 400,
  UNKNOWN_OUTPUT: 400,
  UNKNOWN_FEATURE: 400,
  MISSING_FEATURE: 400,
  INVALID_IMAGE: 400,
  UNSUPPORTED_TASK: 400,
  MISSING_FILE: 400,
  INVALID_REFERENCE: 400,
  INVALID_ALIAS_ROUTE: 400,
  INVALID_IDEMPOTENCY_KEY: 400,
  INVALID_USER_NAME: 400,
  WEAK_PASSWORD: 400,
  INVALID_SCOPE: 400,
  INVALID_COLLECTION_NAME: 400,
  UNSUPPORTED_PARAMETER: 400,
  INVALID_PROVIDER_NAME: 400,
  INVALID_PROVIDER_URL: 400,
  PROVIDER_API_KEY_REQUIRED: 400,
  INVALID_LLM_ALIAS_NAME: 400,
  INVALID_DEPLOYMENT: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF_TOKEN_INVALID: 403,
  MODEL_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  ALIAS_NOT_FOUND: 404,
  REFERENCE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  CONVERSATION_NOT_FOUND: 404,
  COLLECTION_NOT_FOUND: 404,
  DOCUMENT_NOT_FOUND: 404,
  PROVIDER_NOT_FOUND: 404,
  LLM_ALIAS_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  MODEL_EXISTS: 409,
  VERSION_IN_USE: 409,
  VERSION_ARCHIVED: 409,
  SCHEMA_CHANGE_NEEDS_FORCE: 409,
  NO_ROLLBACK_TARGET: 409,
  ALIAS_CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  USER_EXISTS: 409,
  LAST_ADMIN: 409,
  COLLECTION_EXISTS: 409,
  PROVIDER_EXISTS: 409,
  LLM_ALIAS_EXISTS: 409,
  PROVIDER_IN_USE: 409,
  LLM_CONFIG_READ_ONLY: 409,
  LLM_CONFIG_CONFLICT: 409,
  SECRET_KEY_NOT_CONFIGURED: 409,
  PAYLOAD_TOO_LARGE: 413,
  IMAGE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_MODEL_FILE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  INVALID_DOCUMENT: 422,
  QUEUE_FULL: 429,
  RATE_LIMITED: 429,
  BUDGET_EXCEEDED: 429,
  CANCELLED: 499,
  MODEL_NOT_READY: 503,
  MODEL_LOAD_FAILED: 503,
  ARTIFACT_CORRUPT: 503,
  INFERENCE_FAILED: 500,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ModelGardenErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ModelGardenError extends Error {
  override readonly name = 'ModelGardenError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ModelGardenErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function isModelGardenError(value: unknown): value is ModelGardenError {
  return value instanceof ModelGardenError;
}
