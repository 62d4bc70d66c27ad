// The one error type the web app shows: a server error (code and message) or a network failure.

import { ModelGardenApiError, ModelGardenNetworkError } from '@modelgarden/sdk';
import type { ErrorBody } from './types';

export const NETWORK_ERROR = 'NETWORK_ERROR';

/** An HTTP failure carrying the server's `error.code` and `error.message`, or a network failure. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, message: string, status: number, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export function networkError(): ApiError {
  return new ApiError(
    NETWORK_ERROR,
    'Could not reach the Model Garden server. Check that it is running and your connection, then try again.',
    0,
  );
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** Builds an ApiError from a failed response's status and (possibly non-JSON) body text. */
export function errorFromResponse(status: number, statusText: string, bodyText: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    return new ApiError(body.error.code, body.error.message, status, body.error.details);
  }
  // OIP routes answer {"error": "message"}.
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
    return new ApiError(`HTTP_${status}`, (body as { error: string }).error, status);
  }
  const text = bodyText.trim().slice(0, 300);
  const reason = text && !text.startsWith('<') ? text : statusText || 'Request failed';
  return new ApiError(`HTTP_${status}`, `The server answered ${status}: ${reason}`, status);
}

/** Normalises anything thrown into an ApiError, so the UI has one shape to show. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ModelGardenNetworkError) return networkError();
  if (error instanceof ModelGardenApiError) {
    if (!error.code.startsWith('HTTP_'))
      return new ApiError(error.code, error.message, error.status, error.details);
    // An answer without a code: the SDK keeps its raw text, which an HTML error page is not worth showing.
    const text = error.message.trim().slice(0, 300);
    const reason = text && !text.startsWith('<') ? text : 'Request failed';
    return new ApiError(error.code, `The server answered ${error.status}: ${reason}`, error.status);
  }
  if (error instanceof TypeError) return networkError();
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('UNEXPECTED_ERROR', message, 0);
}
