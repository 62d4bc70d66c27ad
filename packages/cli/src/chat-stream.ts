// One streamed answer from the gateway: the SDK opens the stream, eventsource-parser reads it, and
// each text fragment and Model Garden tool event is handed on as it arrives.

import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatStreamError,
  type ChatUsage,
  type Citation,
  ModelGardenApiError,
  type ModelGardenClient,
  type ModelGardenToolEvent,
} from '@modelgarden/sdk';
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface StreamedAnswer {
  /** The text received, all of it even when the answer was stopped. */
  content: string;
  finishReason: string | null;
  usage: ChatUsage | null;
  /** The signal stopped the answer before its end. */
  stopped: boolean;
}

export interface StreamHandlers {
  onText(text: string): void;
  onTool?(event: ModelGardenToolEvent): void;
  /** The passages the answer was given (`modelgarden.collections`), before any text. */
  onCitations?(citations: Citation[]): void;
}

/**
 * Streams `request`, calling `handlers` as fragments arrive. Aborting `signal` ends it early with
 * `stopped: true` and what came so far; an error before the stream, an error event in it, or a body
 * that ends without `[DONE]` throws ModelGardenApiError.
 */
export async function streamAnswer(
  client: ModelGardenClient,
  request: ChatCompletionRequest,
  handlers: StreamHandlers,
  signal: AbortSignal,
): Promise<StreamedAnswer> {
  const answer: StreamedAnswer = { content: '', finishReason: null, usage: null, stopped: false };
  const stopped = () => ({ ...answer, stopped: true });
  let body: ReadableStream<Uint8Array>;
  try {
    body = await client.chatCompletionStream(
      { ...request, stream_options: { include_usage: true } },
      { signal },
    );
  } catch (error) {
    if (signal.aborted) return stopped();
    throw error;
  }
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // The gateway ends every stream with `[DONE]` or an error event: a body that just stops was
      // cut off on the way (a proxy, the server going down), so the answer is not complete.
      if (done)
        throw streamFailure(
          client,
          'stream_cut_off',
          'the answer stream ended before the server finished it; the text above is incomplete',
        );
      if (value.data === '[DONE]') return answer;
      const chunk = JSON.parse(value.data) as ChatCompletionChunk | ChatStreamError;
      if ('error' in chunk)
        throw streamFailure(client, chunk.error.code ?? 'upstream_error', chunk.error.message);
      for (const choice of chunk.choices) {
        const text = choice.delta.content;
        if (text) {
          answer.content += text;
          handlers.onText(text);
        }
        if (choice.finish_reason) answer.finishReason = choice.finish_reason;
      }
      if (chunk.usage) answer.usage = chunk.usage;
      if (chunk.modelgarden?.type === 'citations') handlers.onCitations?.(chunk.modelgarden.citations);
      else if (chunk.modelgarden) handlers.onTool?.(chunk.modelgarden);
    }
  } catch (error) {
    if (signal.aborted) return stopped();
    throw error;
  } finally {
    reader.releaseLock();
  }
}

// A failure after the stream had started (HTTP 200), which names no status: 502, as the gateway
// answers an upstream failure before a stream.
function streamFailure(client: ModelGardenClient, code: string, message: string): ModelGardenApiError {
  return new ModelGardenApiError({
    status: 502,
    code,
    message,
    method: 'POST',
    url: new URL('v1/chat/completions', client.baseUrl).toString(),
  });
}
