// A conversation in the terminal: each line read is a turn, answers stream as they arrive, Ctrl-C
// stops the current answer (what came is kept in the conversation) or, at the prompt, ends it.

import { createInterface } from 'node:readline';
import {
  type ChatCompletionRequest,
  type ChatMessage,
  type Citation,
  ModelGardenApiError,
  type ModelGardenClient,
  type ModelGardenToolEvent,
} from '@modelgarden/sdk';
import { type StreamHandlers, streamAnswer } from './chat-stream.js';
import { formatPercent } from './output.js';
import { forTerminal, visible } from './terminal-text.js';

export interface ChatSettings {
  model: string;
  system?: string;
  temperature?: number;
  modelgarden?: ChatCompletionRequest['modelgarden'];
}

/** The request for `messages` with the session's settings. */
export function chatRequest(settings: ChatSettings, messages: ChatMessage[]): ChatCompletionRequest {
  const system: ChatMessage[] = settings.system ? [{ role: 'system', content: settings.system }] : [];
  return {
    model: settings.model,
    messages: [...system, ...messages],
    ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
    ...(settings.modelgarden ? { modelgarden: settings.modelgarden } : {}),
  };
}

/** A tool call the gateway runs, and its result, as lines on stderr (stdout is the answer). */
function printToolEvent(event: ModelGardenToolEvent): void {
  // The name and arguments are the LLM's, the error message may quote them: shown, never obeyed.
  const line = (text: string) => process.stderr.write(`${visible(text.replaceAll('\n', ' '))}\n`);
  if (event.type === 'tool_call') line(`  → ${event.name} ${event.arguments}`);
  else if (event.ok) line(`  ← ${event.name} (version ${event.version}): ${describeResult(event.result)}`);
  else line(`  ← ${event.name} failed: [${event.error.code}] ${event.error.message}`);
}

/**
 * Handlers that print the answer on stdout as it comes, tool calls on stderr, and after the answer
 * the passages it cites (`sources()`, on stderr).
 */
export function terminalHandlers(): StreamHandlers & { sources(answer: string): void } {
  let given: Citation[] = [];
  return {
    // The answer as it is when piped; on a terminal its control characters are shown, not obeyed.
    onText: (fragment) => process.stdout.write(forTerminal(process.stdout, fragment)),
    onTool: printToolEvent,
    onCitations: (citations) => {
      given = citations;
    },
    sources(answer) {
      const cited = given.filter((c) => answer.includes(`[${c.marker}]`));
      for (const c of cited) {
        const source = `${c.heading || c.documentName} (collection ${c.collection})`;
        process.stderr.write(`  [${c.marker}] ${visible(source.replace(/\s+/g, ' '))}\n`);
      }
      given = [];
    },
  };
}

function describeResult(result: unknown): string {
  const row = result as { label?: unknown; probability?: unknown; value?: unknown } | null;
  if (typeof row?.label === 'string' && typeof row.probability === 'number') {
    return `${row.label} (${formatPercent(row.probability)})`;
  }
  if (typeof row?.value === 'number') return `value ${row.value}`;
  const text = JSON.stringify(result);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export interface ReplOptions {
  client: ModelGardenClient;
  settings: ChatSettings;
  /** Whether stdin is a terminal (prompts and line editing) or lines come from a pipe. */
  terminal: boolean;
  /** Prints an error without ending the conversation. */
  report(error: unknown): void;
}

/**
 * Reads turns from stdin until `/exit`, end of input or Ctrl-C at the prompt. Resolves with the
 * number of turns that failed (each printed with `report`).
 */
export async function runRepl({ client, settings, terminal, report }: ReplOptions): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal, prompt: 'you> ' });
  const messages: ChatMessage[] = [];
  let answering: AbortController | null = null;
  let failures = 0;
  const interrupt = () => {
    if (answering) answering.abort();
    else rl.close();
  };
  rl.on('SIGINT', interrupt);
  process.on('SIGINT', interrupt);
  if (terminal) {
    console.log(`Chatting with ${settings.model}. Ctrl-C stops an answer; /exit (or Ctrl-D) leaves.`);
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      const text = line.trim();
      if (text === '/exit' || text === '/quit') break;
      if (text === '/reset') {
        messages.length = 0;
        console.log('(conversation cleared)');
      } else if (text !== '') {
        messages.push({ role: 'user', content: text });
        answering = new AbortController();
        try {
          const handlers = terminalHandlers();
          const answer = await streamAnswer(
            client,
            chatRequest(settings, messages),
            handlers,
            answering.signal,
          );
          process.stdout.write(answer.stopped ? ' [stopped]\n' : '\n');
          handlers.sources(answer.content);
          // A stopped answer stays in the conversation as far as it went.
          if (answer.content !== '') messages.push({ role: 'assistant', content: answer.content });
          else if (answer.stopped) messages.pop();
        } catch (error) {
          // No key, no right, no such model or collection: every next turn would fail the same way.
          if (error instanceof ModelGardenApiError && [401, 403, 404].includes(error.status)) throw error;
          messages.pop();
          failures += 1;
          report(error);
        } finally {
          answering = null;
        }
      }
      if (terminal) rl.prompt();
    }
  } finally {
    process.off('SIGINT', interrupt);
    rl.close();
  }
  return failures;
}
