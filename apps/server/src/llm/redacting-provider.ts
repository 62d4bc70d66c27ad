/**
 * A provider whose errors never carry the credential it was built with: an upstream that quotes the
 * key it was sent (in a 401's message, say) would otherwise put it in an answer, a provider's listing
 * status and a log line. Used for every provider with a key: the ones admins store
 * (llm/managed-llm.ts) and the ones from the environment and LLM_CONFIG (llm/llm-services.ts).
 */
import { type LlmProvider, ProviderError } from './spec.js';

const REDACTED = '[credential]';

/** `provider` with `secret` taken out of every error it throws; itself when there is no secret. */
export function redactCredential(provider: LlmProvider, secret: string | undefined): LlmProvider {
  // A very short "key" would also match ordinary text; such keys are not secrets worth the damage.
  if (!secret || secret.length < 6) return provider;
  const has = (text: unknown) => typeof text === 'string' && text.includes(secret);
  const clean = (text: string) => text.replaceAll(secret, REDACTED);
  // Anywhere along the cause chain (a wrapped fetch error quoting the request, say), a few deep.
  const inChain = (err: unknown, depth = 0): boolean =>
    err instanceof Error && depth < 8 && (has(err.message) || inChain(err.cause, depth + 1));
  const scrub = (err: unknown): unknown => {
    if (!(err instanceof Error)) return err;
    const upstream =
      err instanceof ProviderError && (has(err.details.param) || has(err.details.upstreamCode));
    if (!inChain(err) && !upstream) return err;
    const message = clean(err.message);
    if (!(err instanceof ProviderError)) return new Error(message);
    // The cause goes: its text is the upstream's; the upstream's code and param are answered too.
    const { cause: _dropped, param, upstreamCode, ...details } = err.details;
    return new ProviderError(err.kind, message, {
      ...details,
      ...(param === undefined ? {} : { param: clean(param) }),
      ...(upstreamCode === undefined ? {} : { upstreamCode: clean(upstreamCode) }),
    });
  };
  const rethrow = (err: unknown): never => {
    throw scrub(err);
  };
  const embed = provider.embed?.bind(provider);
  const close = provider.close?.bind(provider);
  return {
    name: provider.name,
    kind: provider.kind,
    capabilities: provider.capabilities,
    chat: (request, options) => provider.chat(request, options).catch(rethrow),
    // No generator layer of its own on the streaming path: each part passes through one promise.
    streamChat: (request, options) => {
      const source = provider.streamChat(request, options);
      return {
        [Symbol.asyncIterator]() {
          const it = source[Symbol.asyncIterator]();
          return {
            next: () => it.next().catch(rethrow),
            return: (value?: unknown) =>
              it.return
                ? it.return(value).catch(rethrow)
                : Promise.resolve({ done: true as const, value: undefined }),
          };
        },
      };
    },
    ...(embed ? { embed: (request, options) => embed(request, options).catch(rethrow) } : {}),
    listModels: (options) => provider.listModels(options).catch(rethrow),
    ...(close ? { close } : {}),
  };
}
