/**
 * A fake LLM upstream: the HTTP core plus one wire format. Each route (chat, embeddings, models) has
 * a queue of scripted answers, used in order, and a default for when the queue is empty; every
 * request is recorded. The wire format renders turns, errors, model lists and embeddings as its
 * provider would.
 */
import type { FakeResponse, FakeServer, RecordedRequest, SseFrame } from './fake-upstream.js';
import { startFakeServer } from './fake-upstream.js';
import type { FakeTurn, TurnStep } from './turn.js';
import { finish, say, turn, usage } from './turn.js';

export type FakeRoute = 'chat' | 'embeddings' | 'models' | 'other';

/** An error answer before any stream, in the wire's own error shape. */
export interface FakeError {
  status: number;
  message?: string;
  /** The wire's error type/code/status name; a default per status otherwise. */
  code?: string;
  param?: string;
  headers?: Record<string, string>;
  /** Gemini only: a RetryInfo detail with this `retryDelay`. */
  retryDelaySeconds?: number;
  /** Gemini only: an ErrorInfo detail with this reason (`API_KEY_INVALID`). */
  reason?: string;
  delayMs?: number;
}

/** What a scripted call answers. */
export type FakeAnswer =
  | FakeTurn
  | { error: FakeError }
  /** The connection is accepted and never answered. */
  | { hang: true }
  /** The connection is dropped without an answer. */
  | { destroy: true }
  /** Anything else, byte for byte. */
  | { response: FakeResponse };

export interface FakeModel {
  id: string;
  kind?: 'chat' | 'embedding';
  created?: number;
}

/** How one provider's wire format looks (implemented by openai.ts, ollama.ts, anthropic.ts, gemini.ts). */
export interface WireFormat {
  /** Appended to the origin to make the base URL its provider module takes. */
  basePath: string;
  classify(request: RecordedRequest): { route: FakeRoute; stream: boolean };
  /** The API key a request carries. */
  apiKey(request: RecordedRequest): string | undefined;
  renderStream(
    t: FakeTurn,
    request: RecordedRequest,
  ): { frames: SseFrame[]; end?: 'close' | 'destroy' | 'stall' };
  renderJson(t: FakeTurn, request: RecordedRequest): unknown;
  renderError(error: FakeError): unknown;
  renderModels(models: FakeModel[], request: RecordedRequest): unknown;
  /** The texts an embeddings request asks for (and the dimensions it wants), and the answer for their vectors. */
  embeddingInputs(request: RecordedRequest): { inputs: string[]; dimensions?: number };
  renderEmbeddings(vectors: number[][], request: RecordedRequest): unknown;
}

export interface FakeLlmOptions {
  /** When set, a request without this key gets a 401 in the wire's shape. */
  apiKey?: string;
  models?: FakeModel[];
  /** The vector an embeddings request gets for each text (default fakeEmbedding). */
  embed?: (text: string, dimensions?: number) => number[];
}

export interface FakeLlm {
  /** The base URL to give the provider module (`createProvider({ baseURL })`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** The requests one route received. */
  requestsTo(route: FakeRoute): RecordedRequest[];
  /** Queues answers for the next chat calls, in order. */
  enqueue(...answers: FakeAnswer[]): FakeLlm;
  /** Queues answers for the next calls of `route`. */
  enqueueFor(route: FakeRoute, ...answers: FakeAnswer[]): FakeLlm;
  /** What a route answers when its queue is empty (chat: "ok"; models: `models`; embeddings: fakeEmbedding). */
  setDefault(route: FakeRoute, answer: FakeAnswer | undefined): FakeLlm;
  /** The models the model list shows (mutable). */
  models: FakeModel[];
  close(): Promise<void>;
}

/** The default chat answer: "ok", stop, usage 5 + 1. */
export const OK_TURN: FakeTurn = turn(say('ok'), finish('stop'), usage(5, 1));

/** A deterministic vector for `text` (its length, then character sums), `dimensions` long (default 4). */
export function fakeEmbedding(text: string, dimensions = 4): number[] {
  const v = [text.length];
  for (let d = 1; d < dimensions; d++) {
    let sum = 0;
    for (let i = d - 1; i < text.length; i += dimensions - 1) sum += text.charCodeAt(i);
    v.push(sum / 1000);
  }
  return v;
}

export async function startFakeLlm(wire: WireFormat, options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const queues = new Map<FakeRoute, FakeAnswer[]>();
  const defaults = new Map<FakeRoute, FakeAnswer | undefined>([['chat', OK_TURN]]);
  let server: FakeServer | undefined;

  const fake: FakeLlm = {
    url: '',
    origin: '',
    requests: [],
    models: options.models ?? [
      { id: 'fake-chat', kind: 'chat', created: 1_700_000_000 },
      { id: 'fake-embed', kind: 'embedding', created: 1_700_000_000 },
    ],
    requestsTo: (route) => fake.requests.filter((r) => wire.classify(r).route === route),
    enqueue: (...answers) => fake.enqueueFor('chat', ...answers),
    enqueueFor(route, ...answers) {
      queues.set(route, [...(queues.get(route) ?? []), ...answers]);
      return fake;
    },
    setDefault(route, answer) {
      defaults.set(route, answer);
      return fake;
    },
    close: async () => server?.close(),
  };

  const respond = (request: RecordedRequest): FakeResponse => {
    const { route, stream } = wire.classify(request);
    if (options.apiKey !== undefined && wire.apiKey(request) !== options.apiKey) {
      return errorResponse(wire, { status: 401, message: 'invalid api key' });
    }
    const answer = queues.get(route)?.shift() ?? defaults.get(route);
    if (answer === undefined) {
      if (route === 'models') return { kind: 'json', body: wire.renderModels(fake.models, request) };
      if (route === 'embeddings') {
        const { inputs, dimensions } = wire.embeddingInputs(request);
        const vectors = inputs.map((t) => (options.embed ?? fakeEmbedding)(t, dimensions));
        return { kind: 'json', body: wire.renderEmbeddings(vectors, request) };
      }
      return errorResponse(wire, {
        status: 404,
        message: `no such route: ${request.method} ${request.path}`,
      });
    }
    if ('response' in answer) return answer.response;
    if ('hang' in answer) return { kind: 'hang' };
    if ('destroy' in answer) return { kind: 'destroy' };
    if ('error' in answer) return errorResponse(wire, answer.error);
    if (!stream) {
      return { kind: 'json', body: wire.renderJson(answer, request), ...delay(answer.headerDelayMs) };
    }
    const { frames, end } = wire.renderStream(answer, request);
    return {
      kind: 'sse',
      frames,
      ...(end ? { end } : {}),
      ...(answer.headerDelayMs === undefined ? {} : { headerDelayMs: answer.headerDelayMs }),
    };
  };

  server = await startFakeServer(respond);
  return Object.assign(fake, {
    url: server.origin + wire.basePath,
    origin: server.origin,
    requests: server.requests,
  });
}

function delay(ms: number | undefined): { delayMs?: number } {
  return ms === undefined ? {} : { delayMs: ms };
}

function errorResponse(wire: WireFormat, error: FakeError): FakeResponse {
  return {
    kind: 'json',
    status: error.status,
    body: wire.renderError(error),
    ...(error.headers ? { headers: error.headers } : {}),
    ...delay(error.delayMs),
  };
}

/** A wire's stream, step by step: frames to open with, per step, and to close a stream that ended well. */
export interface StepRenderer {
  open(): SseFrame[];
  step(step: TurnStep): SseFrame[];
  close(): SseFrame[];
}

/**
 * Renders a turn through a wire's step renderer: a step's `delayMs` goes on its first frame; an
 * `error` step is the last frame; `disconnect` and `stall` end the stream there (without closing it).
 */
export function renderTurnStream(
  t: FakeTurn,
  renderer: StepRenderer,
): { frames: SseFrame[]; end?: 'close' | 'destroy' | 'stall' } {
  const frames: SseFrame[] = [...renderer.open()];
  for (const step of t.steps) {
    if (step.type === 'disconnect' || step.type === 'stall') {
      if (step.delayMs) frames.push({ raw: '', delayMs: step.delayMs });
      return { frames, end: step.type === 'disconnect' ? 'destroy' : 'stall' };
    }
    const produced = renderer.step(step);
    const first = produced[0];
    if (first && step.delayMs) produced[0] = { ...first, delayMs: (first.delayMs ?? 0) + step.delayMs };
    frames.push(...produced);
    if (step.type === 'error') return { frames, end: 'close' };
  }
  frames.push(...renderer.close());
  return { frames };
}
