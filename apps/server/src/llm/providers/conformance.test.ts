/**
 * Cross-provider conformance: one scripted conversation, rendered by each fake in its own wire
 * format (OpenAI, vLLM, Ollama today and as older releases sent it, Anthropic, Gemini), must come out
 * of each provider module as the same canonical parts, results and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlm, FakeTurn } from '../../test-support/fake-llm/index.js';
import {
  chunked,
  collect,
  expectedParts,
  finish,
  interleaved,
  say,
  startFakeAnthropic,
  startFakeGemini,
  startFakeOllama,
  startFakeOpenAI,
  toolCall,
  turn,
  usage,
} from '../../test-support/fake-llm/index.js';
import type { ChatRequest, ChatStreamPart, LlmProvider } from '../spec.js';
import type { ProviderConfig } from './index.js';
import { createProvider } from './index.js';

interface Subject {
  label: string;
  start: () => Promise<FakeLlm>;
  kind: ProviderConfig['kind'];
  /** The wire carries each tool call whole (one arguments delta per call). */
  wholeCalls: boolean;
  /** The wire carries the upstream's tool-call ids (Gemini's do not: the provider makes them). */
  keepsIds: boolean;
}

const SUBJECTS: Subject[] = [
  {
    label: 'openai',
    start: () => startFakeOpenAI(),
    kind: 'openai-compatible',
    wholeCalls: false,
    keepsIds: true,
  },
  {
    label: 'vllm',
    start: () => startFakeOpenAI({ variant: 'vllm' }),
    kind: 'openai-compatible',
    wholeCalls: false,
    keepsIds: true,
  },
  {
    label: 'ollama',
    start: () => startFakeOllama(),
    kind: 'openai-compatible',
    wholeCalls: true,
    keepsIds: true,
  },
  {
    label: 'ollama (older releases)',
    start: () => startFakeOllama({ noToolCallIndex: true, stopAfterToolCalls: true }),
    kind: 'openai-compatible',
    wholeCalls: true,
    keepsIds: true,
  },
  {
    label: 'anthropic',
    start: () => startFakeAnthropic(),
    kind: 'anthropic',
    wholeCalls: false,
    keepsIds: true,
  },
  { label: 'gemini', start: () => startFakeGemini(), kind: 'gemini', wholeCalls: true, keepsIds: false },
];

const running: Array<{ subject: Subject; fake: FakeLlm; provider: LlmProvider }> = [];

beforeAll(async () => {
  for (const subject of SUBJECTS) {
    const fake = await subject.start();
    const provider = createProvider({
      kind: subject.kind,
      name: subject.label,
      baseURL: fake.url,
      apiKey: 'k',
    });
    running.push({ subject, fake, provider });
  }
});

afterAll(async () => {
  for (const { fake, provider } of running) {
    await provider.close?.();
    await fake.close();
  }
});

const ASK: ChatRequest = {
  model: 'model-x',
  messages: [{ role: 'user', content: 'Weather and time in Oslo?' }],
  tools: [
    { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
  ],
};

const WEATHER_ARGS = '{"city":"Oslo","unit":"celsius","hourly":[6,12,18]}';
const TIME_ARGS = '{"zone":"Europe/Oslo","format":"24h"}';

/** Each call's arguments in one fragment, one call after the other: every wire can carry this exactly. */
const WHOLE: FakeTurn = turn(
  say('Let me ', 'check ', 'both.'),
  toolCall({ index: 0, id: 'call_w', name: 'get_weather', fragments: [WEATHER_ARGS] }),
  toolCall({ index: 1, id: 'call_t', name: 'get_time', fragments: [TIME_ARGS] }),
  finish('tool_calls'),
  usage(52, 31),
);

/** The same answer with the arguments cut into many fragments, the two calls' fragments alternating. */
const FRAGMENTED: FakeTurn = turn(
  say('Let me ', 'check ', 'both.'),
  interleaved(
    { index: 0, id: 'call_w', name: 'get_weather', fragments: chunked(WEATHER_ARGS, 3) },
    { index: 1, id: 'call_t', name: 'get_time', fragments: chunked(TIME_ARGS, 4) },
  ),
  finish('tool_calls'),
  usage(52, 31),
);

function maskIds(parts: ChatStreamPart[]): ChatStreamPart[] {
  return parts.map((p) => (p.type === 'tool-call-start' ? { ...p, id: `<id ${p.index}>` } : p));
}

/** The ordering rules of the spec: start before a call's deltas; finish once, after every text and tool part; usage at most once. */
function expectOrderingRules(parts: ChatStreamPart[]): void {
  const opened = new Set<number>();
  let finished = false;
  for (const p of parts) {
    if (p.type === 'tool-call-start') {
      expect(opened.has(p.index)).toBe(false);
      opened.add(p.index);
    }
    if (p.type === 'tool-call-delta') expect(opened.has(p.index)).toBe(true);
    if (p.type === 'text-delta' || p.type === 'tool-call-start' || p.type === 'tool-call-delta')
      expect(finished).toBe(false);
    if (p.type === 'finish') finished = true;
  }
  expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
  expect(parts.filter((p) => p.type === 'usage').length).toBeLessThanOrEqual(1);
}

function reassembled(parts: ChatStreamPart[]) {
  const calls = new Map<number, { name: string; arguments: string }>();
  for (const p of parts) {
    if (p.type === 'tool-call-start') calls.set(p.index, { name: p.name, arguments: '' });
    if (p.type === 'tool-call-delta') calls.get(p.index)!.arguments += p.argumentsDelta;
  }
  return {
    text: parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])),
    calls: [...calls.entries()],
    finish: parts.find((p) => p.type === 'finish'),
    usage: parts.find((p) => p.type === 'usage'),
  };
}

describe('the same scripted conversation through every provider', () => {
  it('yields the same canonical part sequence (calls whole)', async () => {
    const results: Record<string, ChatStreamPart[]> = {};
    for (const { subject, fake, provider } of running) {
      fake.enqueue(WHOLE);
      const { parts, error } = await collect(provider.streamChat(ASK));
      expect(error, subject.label).toBeUndefined();
      if (subject.keepsIds) expect(parts, subject.label).toEqual(expectedParts(WHOLE));
      results[subject.label] = maskIds(parts);
    }
    const reference = maskIds(expectedParts(WHOLE));
    for (const [label, parts] of Object.entries(results)) expect(parts, label).toEqual(reference);
  });

  it('keeps every fragment, in order, where the wire streams fragments; reassembles the same calls everywhere', async () => {
    const reference = reassembled(expectedParts(FRAGMENTED));
    for (const { subject, fake, provider } of running) {
      fake.enqueue(FRAGMENTED);
      const { parts, error } = await collect(provider.streamChat(ASK));
      expect(error, subject.label).toBeUndefined();
      expectOrderingRules(parts);
      if (!subject.wholeCalls) expect(parts, subject.label).toEqual(expectedParts(FRAGMENTED));
      expect(reassembled(parts), subject.label).toEqual(reference);
      expect(JSON.parse(reference.calls[0]![1].arguments)).toEqual(JSON.parse(WEATHER_ARGS));
    }
  });

  it('gives the same non-streaming result', async () => {
    for (const { subject, fake, provider } of running) {
      fake.enqueue(FRAGMENTED);
      const { id: _id, model: _model, refusal: _refusal, ...result } = await provider.chat(ASK);
      expect(
        {
          ...result,
          toolCalls: result.toolCalls.map((c, i) =>
            subject.keepsIds ? c : { ...c, id: ['call_w', 'call_t'][i] },
          ),
        },
        subject.label,
      ).toEqual({
        content: 'Let me check both.',
        toolCalls: [
          { id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: WEATHER_ARGS } },
          { id: 'call_t', type: 'function', function: { name: 'get_time', arguments: TIME_ARGS } },
        ],
        finishReason: 'tool_calls',
        usage: { promptTokens: 52, completionTokens: 31 },
      });
    }
  });

  it('reports a 429 as rate-limited with its retry hint, from each wire', async () => {
    for (const { subject, fake, provider } of running) {
      fake.enqueue({
        error: { status: 429, message: 'slow down', headers: { 'retry-after': '2' }, retryDelaySeconds: 2 },
      });
      const { parts, error } = await collect(provider.streamChat(ASK));
      expect(parts, subject.label).toEqual([]);
      expect(error, subject.label).toMatchObject({
        kind: 'rate-limited',
        details: { status: 429, retryAfterMs: 2000 },
      });
    }
  });

  it('ends with a server error after the same parts when the upstream fails mid-stream', async () => {
    for (const { subject, fake, provider } of running) {
      fake.enqueue(turn(say('Let me ', 'check'), { type: 'error', message: 'upstream broke', status: 500 }));
      const { parts, error } = await collect(provider.streamChat(ASK));
      expect(parts, subject.label).toEqual([
        { type: 'text-delta', text: 'Let me ' },
        { type: 'text-delta', text: 'check' },
      ]);
      expect(error, subject.label).toMatchObject({ kind: 'server', message: 'upstream broke' });
    }
  });
});
