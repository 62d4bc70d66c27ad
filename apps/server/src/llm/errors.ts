/**
 * An upstream failure, as the caller sees it: a ProviderError the router could not route around
 * becomes one ModelGardenError (the status and code callers get), with the provider named and the
 * upstream's `retry-after` kept.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import { ProviderError } from './spec.js';

export function gatewayError(err: unknown, model: string): ModelGardenError {
  if (err instanceof ModelGardenError) return err;
  if (!(err instanceof ProviderError))
    return new ModelGardenError('INTERNAL', 'Internal server error', { cause: err });
  const { provider, status, retryAfterMs, param, upstreamCode } = err.details;
  const details = {
    provider,
    ...(status !== undefined ? { upstreamStatus: status } : {}),
    ...(upstreamCode ? { upstreamCode } : {}),
    ...(param ? { param } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const say = (text: string) => `${text} (${model}, provider ${provider})`;
  switch (err.kind) {
    case 'invalid-request':
      if (status === 404 && (param === 'model' || /model/i.test(err.message)))
        return new ModelGardenError(
          'MODEL_NOT_FOUND',
          `The model \`${model}\` does not exist or you do not have access to it.`,
          { details: { ...details, param: 'model' }, cause: err },
        );
      return new ModelGardenError('BAD_REQUEST', say(`The provider refused the request: ${err.message}`), {
        details,
        cause: err,
      });
    case 'rate-limited':
      return new ModelGardenError('RATE_LIMITED', say('The provider is rate limiting; retry later'), {
        details: { ...details, retryAfterMs: retryAfterMs ?? 1000 },
        cause: err,
      });
    case 'timeout':
      return new ModelGardenError(
        'DEADLINE_EXCEEDED',
        say(`The provider did not answer in time: ${err.message}`),
        {
          details,
          cause: err,
        },
      );
    case 'connection':
      return new ModelGardenError(
        'UPSTREAM_UNAVAILABLE',
        say(`The provider cannot be reached: ${err.message}`),
        {
          details,
          cause: err,
        },
      );
    case 'aborted':
      return new ModelGardenError('CANCELLED', 'The request was cancelled', { details, cause: err });
    case 'auth':
    case 'server':
    case 'bad-response':
      return new ModelGardenError('UPSTREAM_ERROR', say(`The provider failed: ${err.message}`), {
        details,
        cause: err,
      });
  }
}
