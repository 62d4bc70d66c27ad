/**
 * Fake LLM upstreams for tests: real HTTP on 127.0.0.1 (node:http), each speaking one provider's
 * wire format as its API reference and recorded streams show it, scriptable per test, recording
 * every request. Use them wherever a test needs a provider's cloud (provider modules, the gateway).
 * The `*-fidelity.test.ts` files read each fake back with the provider's official client.
 *
 * ```ts
 * const fake = await startFakeOpenAI();            // or startFakeOllama / startFakeAnthropic / startFakeGemini
 * const provider = createProvider({ kind: 'openai-compatible', name: 'openai', baseURL: fake.url });
 * fake.enqueue(                                     // the next chat calls' answers, in order
 *   turn(say('Hel', 'lo'), finish('stop'), usage(12, 2)),        // rendered as SSE if the request streams, JSON if not
 *   turn(interleaved(callA, callB), finish('tool_calls')),        // parallel tool calls, fragments alternating
 *   { error: { status: 429, message: 'slow down', headers: { 'retry-after': '2' } } },  // in the wire's error shape
 *   { hang: true },                                              // accepted, never answered
 *   { destroy: true },                                           // connection dropped, no answer
 *   { ...turn(say('late')), headerDelayMs: 500 },                // slow to answer at all
 *   turn({ type: 'text', text: 'slow', delayMs: 300 }, finish('stop')),  // a slow first token
 *   turn(paced(chunked(text, 4), { firstMs: 200, everyMs: 20 }), finish('stop')),  // streams like an LLM
 *   turn(say('a'), { type: 'error', message: 'overloaded' }),    // a mid-stream error event
 *   turn(say('a'), { type: 'disconnect' }),                       // the connection dies mid-stream
 *   turn(say('a'), { type: 'stall' }),                            // the stream goes quiet, connection open
 *   { response: { kind: 'sse', frames: [{ raw: 'data: {"x"\r\n\r\n' }] } },  // anything, byte for byte
 * );
 * fake.enqueueFor('embeddings', { error: { status: 500 } });   // routes: chat, embeddings, models
 * fake.setDefault('chat', turn(say('always this'), finish('stop')));  // when the queue is empty (default: "ok")
 * fake.models = [{ id: 'gpt-4o-mini', kind: 'chat' }];        // the model list
 * fake.requests / fake.requestsTo('chat')                      // {method, path, query, headers, body, rawBody, ended}
 * await fake.requests[0].ended                                 // 'complete' | 'aborted' (the client went away first)
 * await fake.close();
 * ```
 * Options: `{ apiKey }` answers 401 (in the wire's shape) to a request without that key; `{ models }`.
 * Wire variants: `startFakeOpenAI({ variant: 'vllm' })` opens tool calls without `arguments`;
 * `startFakeOllama({ noToolCallIndex, stopAfterToolCalls })` reproduce older Ollama releases.
 * A step's `delayMs` applies before the first frame it produces. `expectedParts(turn)` is the
 * canonical ChatStreamPart sequence a faithful provider yields for a turn (`{ wholeCalls: true }` for
 * wires that carry calls whole: Ollama, Gemini); `collect(stream)` gathers parts and the error that ended it.
 */

export { anthropicWire, startFakeAnthropic } from './anthropic.js';
export type { StepRenderer, WireFormat } from './fake-llm.js';
export {
  type FakeAnswer,
  type FakeError,
  type FakeLlm,
  type FakeLlmOptions,
  type FakeModel,
  type FakeRoute,
  fakeEmbedding,
  OK_TURN,
  renderTurnStream,
  startFakeLlm,
} from './fake-llm.js';
export {
  encodeFrame,
  type FakeResponse,
  type FakeServer,
  type RecordedRequest,
  type SseFrame,
  startFakeServer,
} from './fake-upstream.js';
export { geminiModelOf, geminiWire, startFakeGemini } from './gemini.js';
export { ollamaWire, startFakeOllama } from './ollama.js';
export { openAIWire, startFakeOpenAI } from './openai.js';
export {
  callArguments,
  chunked,
  collect,
  expectedParts,
  type FakeTurn,
  finish,
  interleaved,
  paced,
  type ScriptedCall,
  say,
  type TurnStep,
  toolCall,
  turn,
  usage,
} from './turn.js';
