// A visible alert for a failed request: the server's message and its error code.

import { NETWORK_ERROR, toApiError } from '../api/api-error';

interface ErrorAlertProps {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}

export function ErrorAlert({ error, title = 'Something went wrong', onRetry }: ErrorAlertProps) {
  const apiError = toApiError(error);
  const heading = apiError.code === NETWORK_ERROR ? 'Server unreachable' : title;
  return (
    <div
      role="alert"
      data-testid="error-alert"
      className="flex gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-0.5 size-5 shrink-0 fill-red-500">
        <path d="M10 1.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17Zm-.9 4.2h1.8v5.6H9.1V5.7Zm.9 8.9a1.1 1.1 0 1 1 0-2.2 1.1 1.1 0 0 1 0 2.2Z" />
      </svg>
      <div className="min-w-0 flex-1">
        <p className="font-semibold">{heading}</p>
        <p className="mt-0.5 break-words" data-testid="error-message">
          {apiError.message}
        </p>
        <p className="mt-1 font-mono text-xs text-red-700" data-testid="error-code">
          {apiError.code}
          {apiError.status > 0 ? ` · HTTP ${apiError.status}` : ''}
        </p>
      </div>
      {onRetry && (
        <button
          type="button"
          onClick={onRetry}
          className="self-start rounded-md border border-red-300 bg-white px-2.5 py-1 text-xs font-medium text-red-800 hover:bg-red-100"
        >
          Retry
        </button>
      )}
    </div>
  );
}
