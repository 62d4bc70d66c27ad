/**
 * Token counts when a provider reports none, and the prompt estimate a budget reservation needs:
 * OpenAI's o200k_base encoding (gpt-tokenizer, pure JS). Other providers' tokenizers differ by a few
 * per cent; the count is marked as estimated where it is recorded. The tokenizer's tables load with
 * loadTokenizer() (hundreds of milliseconds of imports): the gateway awaits it before its first call,
 * so a server with no LLM provider never pays for it at start-up.
 */
import type { ChatMessage, ContentPart, ToolDefinition } from './spec.js';

let countTokens: ((text: string) => number) | undefined;
let loading: Promise<void> | undefined;

/** Loads the tokenizer once; the counts below need it. */
export function loadTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer').then((m) => {
    countTokens = m.countTokens;
    countTokens('warm up'); // builds its lookup tables now, not in a caller's request
  });
  return loading;
}

export function tokenizerLoaded(): boolean {
  return countTokens !== undefined;
}

/** Per message: the role and separators OpenAI's chat format adds. */
const PER_MESSAGE = 4;
/** What an image part costs at OpenAI's `low` detail; an upper estimate is not possible without its size. */
const PER_IMAGE = 85;

export function countText(text: string): number {
  if (text.length === 0) return 0;
  if (!countTokens) throw new Error('countText before loadTokenizer()');
  return countTokens(text);
}

function countContent(content: string | ContentPart[] | null | undefined): number {
  // An assistant message that only calls tools may carry no content at all (toChatRequest drops a null).
  if (content === null || content === undefined) return 0;
  if (typeof content === 'string') return countText(content);
  let total = 0;
  for (const part of content) total += part.type === 'text' ? countText(part.text) : PER_IMAGE;
  return total;
}

/** The prompt's tokens: messages, tool calls in them, and the tool definitions. */
export function countPrompt(messages: ChatMessage[], tools?: ToolDefinition[]): number {
  let total = 3;
  for (const m of messages) {
    total += PER_MESSAGE + countContent(m.content);
    if (m.role === 'assistant' && m.tool_calls)
      for (const c of m.tool_calls) total += countText(c.function.name) + countText(c.function.arguments);
  }
  if (tools && tools.length > 0) total += countText(JSON.stringify(tools));
  return total;
}
