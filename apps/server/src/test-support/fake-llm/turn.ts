/**
 * A scripted assistant turn in no provider's wire format: text chunks, tool calls opened and fed
 * argument fragments (interleaved as a test likes), the finish, usage, and what goes wrong (an error
 * event, a dropped connection, a stall), each step after an optional delay. Each wire-format fake
 * renders the same turn as its provider would send it, which is what makes the cross-provider
 * conformance check possible; `expectedParts` says what a faithful provider module yields for it.
 */
import type { ChatStreamPart, FinishReason } from '../../llm/spec.js';

export type TurnStep =
  | { type: 'text'; text: string; delayMs?: number }
  | { type: 'tool-start'; index: number; id: string; name: string; delayMs?: number }
  | { type: 'tool-args'; index: number; args: string; delayMs?: number }
  /** `raw` is the wire's own value when it should differ from the mapping (e.g. `MALFORMED_FUNCTION_CALL`). */
  | { type: 'finish'; reason: FinishReason; raw?: string; delayMs?: number }
  /** `reasoningTokens` / `cachedTokens`: detail counts, sent only by wires that have them and only when given. */
  | {
      type: 'usage';
      promptTokens: number;
      completionTokens: number;
      reasoningTokens?: number;
      cachedTokens?: number;
      delayMs?: number;
    }
  /** The upstream's mid-stream error event, then the response ends. */
  | { type: 'error'; message: string; code?: string; status?: number; delayMs?: number }
  /** The connection is destroyed here. */
  | { type: 'disconnect'; delayMs?: number }
  /** Nothing more is sent, and the connection stays open. */
  | { type: 'stall'; delayMs?: number };

export interface FakeTurn {
  steps: TurnStep[];
  /** Before the response headers. */
  headerDelayMs?: number;
  /** The model the upstream says answered (default: the requested one). */
  model?: string;
}

/** @example turn(say('Hel', 'lo'), finish('stop'), usage(12, 2)) */
export function turn(...steps: Array<TurnStep | TurnStep[]>): FakeTurn {
  return { steps: steps.flat() };
}

export function say(...chunks: string[]): TurnStep[] {
  return chunks.map((text) => ({ type: 'text', text }));
}

/**
 * Text that streams like an LLM: the first chunk after `firstMs`, each next one `everyMs` later.
 * @example turn(paced(chunked(answer, 4), { firstMs: 200, everyMs: 20 }), finish('stop'), usage(30, 50))
 */
export function paced(chunks: string[], timing: { firstMs: number; everyMs: number }): TurnStep[] {
  return chunks.map((text, i) => ({
    type: 'text',
    text,
    delayMs: i === 0 ? timing.firstMs : timing.everyMs,
  }));
}

export interface ScriptedCall {
  index: number;
  id: string;
  name: string;
  /** Argument fragments; together the call's JSON arguments. */
  fragments: string[];
}

export function toolCall(call: ScriptedCall): TurnStep[] {
  return [
    { type: 'tool-start', index: call.index, id: call.id, name: call.name },
    ...call.fragments.map((args): TurnStep => ({ type: 'tool-args', index: call.index, args })),
  ];
}

/** Parallel calls: every call opens, then their fragments alternate (call 0's first, call 1's first, …). */
export function interleaved(...calls: ScriptedCall[]): TurnStep[] {
  const steps: TurnStep[] = calls.map((c) => ({
    type: 'tool-start',
    index: c.index,
    id: c.id,
    name: c.name,
  }));
  const longest = Math.max(...calls.map((c) => c.fragments.length));
  for (let i = 0; i < longest; i++) {
    for (const c of calls) {
      const args = c.fragments[i];
      if (args !== undefined) steps.push({ type: 'tool-args', index: c.index, args });
    }
  }
  return steps;
}

export function finish(reason: FinishReason, raw?: string): TurnStep {
  return raw === undefined ? { type: 'finish', reason } : { type: 'finish', reason, raw };
}

export function usage(promptTokens: number, completionTokens: number): TurnStep {
  return { type: 'usage', promptTokens, completionTokens };
}

/** Splits `text` into pieces of `size` characters (arguments "split across many chunks"). */
export function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The whole arguments text of each call, by index. */
export function callArguments(t: FakeTurn): Map<number, string> {
  const args = new Map<number, string>();
  for (const s of t.steps) {
    if (s.type === 'tool-start') args.set(s.index, args.get(s.index) ?? '');
    if (s.type === 'tool-args') args.set(s.index, (args.get(s.index) ?? '') + s.args);
  }
  return args;
}

export function turnUsage(t: FakeTurn): Extract<TurnStep, { type: 'usage' }> | undefined {
  const u = t.steps.find((s) => s.type === 'usage');
  return u?.type === 'usage' ? u : undefined;
}

export function turnFinish(t: FakeTurn): Extract<TurnStep, { type: 'finish' }> | undefined {
  const f = t.steps.find((s) => s.type === 'finish');
  return f?.type === 'finish' ? f : undefined;
}

/**
 * The canonical parts a faithful provider yields for a turn that ends well: text and tool parts in
 * script order, the finish, then the usage. `wholeCalls` is for wires that carry each call whole
 * (Ollama, Gemini): one arguments delta per call, at its start.
 */
export function expectedParts(t: FakeTurn, options: { wholeCalls?: boolean } = {}): ChatStreamPart[] {
  const parts: ChatStreamPart[] = [];
  const args = callArguments(t);
  for (const s of t.steps) {
    if (s.type === 'text' && s.text) parts.push({ type: 'text-delta', text: s.text });
    if (s.type === 'tool-start') {
      parts.push({ type: 'tool-call-start', index: s.index, id: s.id, name: s.name });
      const whole = args.get(s.index);
      if (options.wholeCalls && whole)
        parts.push({ type: 'tool-call-delta', index: s.index, argumentsDelta: whole });
    }
    if (s.type === 'tool-args' && !options.wholeCalls && s.args) {
      parts.push({ type: 'tool-call-delta', index: s.index, argumentsDelta: s.args });
    }
    if (s.type === 'finish') parts.push({ type: 'finish', finishReason: s.reason });
  }
  const u = turnUsage(t);
  if (u)
    parts.push({
      type: 'usage',
      usage: { promptTokens: u.promptTokens, completionTokens: u.completionTokens },
    });
  return parts;
}

/** Everything a stream yields, and the error that ended it (if one did): for asserting parts delivered before a failure. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<{ parts: T[]; error?: unknown }> {
  const parts: T[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts };
  } catch (error) {
    return { parts, error };
  }
}
