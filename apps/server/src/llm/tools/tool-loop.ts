/**
 * The server-side tool loop: a chat request with `"modelgarden": {"tools": [...] | "all",
 * "max_steps": N}` has the gateway offer those Model Garden models as tools, run the calls the LLM
 * makes (ModelTools, with the caller's permissions), feed the results back as `tool` messages and
 * call the LLM again, until it answers without calling one of them or N rounds of calls have run
 * (the last call is then made with `tool_choice: "none"`). Each LLM call goes through the gateway
 * (limits, budgets, routing, usage) like any other.
 *
 * Client-side tools pass through untouched: when the LLM calls one of the request's own `tools`,
 * that answer goes back to the client as it is (any Model Garden calls beside it unexecuted). A
 * call naming no tool at all gets an error result, as do bad arguments; neither ends the loop.
 *
 * Streamed, the client sees every LLM call's text and tool-call deltas in OpenAI's format (the
 * calls' indexes continue across rounds, so an accumulator keeps them apart), one finish chunk at
 * the end, and for each call the gateway runs two extension chunks, `choices: []` plus a
 * `modelgarden` object: `{"type": "tool_call", …}` before it runs and `{"type": "tool_result", …}`
 * after (docs/tools-and-mcp.md).
 *
 * With `"collections": [...]` (and `k`) the same request also retrieves passages for the last user
 * message and hands them to the LLM numbered (llm/retrieval-context.ts); the completion's
 * `modelgarden.citations` lists them, and a stream opens with one `{"type": "citations", …}` chunk
 * before any content (docs/retrieval.md). `tools` may then be left out. Domain code: no Fastify.
 */
import type { Principal } from '../../auth/principal.js';
import { grants } from '../../auth/scopes.js';
import type {
  Citation,
  ModelgardenReport,
  ModelgardenStreamEvent,
  ToolReport,
} from '../../contract/chat-extension-schemas.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../contract/openai-schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import type { GatewayCaller, LlmGateway } from '../gateway.js';
import { ChunkWriter, completionId } from '../openai-format.js';
import type { RetrievalContext } from '../retrieval-context.js';
import type { ChatStreamPart, Usage } from '../spec.js';
import { type ModelTool, type ModelTools, type ToolResult, toolResultText } from './model-tools.js';

export const DEFAULT_MAX_STEPS = 5;

/** One call the gateway ran, as the extension reports it. */
export interface ExecutedToolCall {
  id: string;
  name: string;
  model: string | null;
  arguments: string;
  result: ToolResult;
}

type Message = ChatCompletionRequest['messages'][number];
type Call = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** The extension object of a completion the loop answered (contract/chat-extension-schemas.ts). */
export type ToolLoopReport = ModelgardenReport;

function reportOf(c: ExecutedToolCall): ToolReport {
  return {
    id: c.id,
    name: c.name,
    model: c.model,
    arguments: c.arguments,
    ...(c.result.ok
      ? { ok: true, version: c.result.version, result: c.result.output }
      : { ok: false, error: c.result.error }),
  };
}

interface Prepared {
  offered: ModelTool[];
  clientTools: Set<string>;
  maxSteps: number;
  base: ChatCompletionRequest;
  /** The conversation to send: the request's messages, with the retrieved passages when asked. */
  messages: Message[];
  /** null when the request named no collections. */
  citations: Citation[] | null;
}

export class ToolLoop {
  constructor(
    private readonly gateway: LlmGateway,
    private readonly tools: ModelTools,
    private readonly context: RetrievalContext,
  ) {}

  private async prepare(principal: Principal, body: ChatCompletionRequest): Promise<Prepared> {
    const options = body.modelgarden!;
    if (
      options.tools !== undefined &&
      (principal.kind === 'anonymous' || !grants(principal.scopes, 'predict'))
    )
      throw new ModelGardenError(
        'FORBIDDEN',
        "Model Garden tools run predictions: the key needs the 'predict' scope as well as 'chat'",
        { details: { param: 'modelgarden.tools' } },
      );
    const offered = options.tools === undefined ? [] : await this.tools.select(principal, options.tools);
    const clientTools = new Set((body.tools ?? []).map((t) => t.function.name));
    const clash = offered.find((t) => clientTools.has(t.name));
    if (clash)
      throw new ModelGardenError(
        'VALIDATION_FAILED',
        `The tool "${clash.name}" is both in 'tools' and a Model Garden tool; rename yours`,
        { details: { param: 'tools' } },
      );
    const { modelgarden: _, ...base } = body;
    let messages: Message[] = [...body.messages];
    let citations: Citation[] | null = null;
    if (options.collections !== undefined)
      ({ messages, citations } = await this.context.augment(
        principal,
        messages,
        options.collections,
        options.k,
      ));
    return {
      offered,
      clientTools,
      maxSteps: options.max_steps ?? DEFAULT_MAX_STEPS,
      base,
      messages,
      citations,
    };
  }

  /** The request of one round: the conversation so far, the client's tools and ours. */
  private request(p: Prepared, messages: Message[], step: number, stream: boolean): ChatCompletionRequest {
    const tools = [
      ...(p.base.tools ?? []),
      ...p.offered.map((t) => ({
        type: 'function' as const,
        function: { name: t.name, description: t.description, parameters: t.parameters },
      })),
    ];
    const toolChoice = step === p.maxSteps ? 'none' : step === 0 ? p.base.tool_choice : undefined;
    const { tool_choice: _, stream: _s, stream_options: _o, ...rest } = p.base;
    return {
      ...rest,
      messages,
      ...(tools.length > 0 ? { tools } : {}),
      ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
      ...(stream ? { stream: true } : {}),
    };
  }

  /** Whether the loop runs this answer's calls (none names a client tool, rounds are left). */
  private runs(p: Prepared, calls: Call[], step: number): boolean {
    return (
      p.offered.length > 0 &&
      calls.length > 0 &&
      step < p.maxSteps &&
      !calls.some((c) => p.clientTools.has(c.function.name))
    );
  }

  private async execute(
    principal: Principal,
    p: Prepared,
    call: Call,
    signal: AbortSignal | undefined,
  ): Promise<ExecutedToolCall> {
    const tool = p.offered.find((t) => t.name === call.function.name);
    const result = await this.tools.call(
      principal,
      p.offered,
      call.function.name,
      call.function.arguments,
      signal,
    );
    return {
      id: call.id,
      name: call.function.name,
      model: tool?.model ?? null,
      arguments: call.function.arguments,
      result,
    };
  }

  /** A non-streamed completion, with `modelgarden: {steps, tool_calls, citations?}` beside OpenAI's fields. */
  async chat(
    caller: GatewayCaller,
    principal: Principal,
    body: ChatCompletionRequest,
    signal?: AbortSignal,
  ): Promise<ChatCompletion & { modelgarden: ToolLoopReport }> {
    const p = await this.prepare(principal, body);
    const messages = p.messages;
    const executed: ExecutedToolCall[] = [];
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    for (let step = 0; ; step++) {
      const completion = await this.gateway.chat(caller, this.request(p, messages, step, false), signal);
      usage.prompt_tokens += completion.usage.prompt_tokens;
      usage.completion_tokens += completion.usage.completion_tokens;
      usage.total_tokens += completion.usage.total_tokens;
      const message = completion.choices[0]!.message;
      const calls = message.tool_calls ?? [];
      if (!this.runs(p, calls, step))
        return {
          ...completion,
          usage,
          modelgarden: {
            steps: step + 1,
            tool_calls: executed.map(reportOf),
            ...(p.citations ? { citations: p.citations } : {}),
          },
        };
      messages.push({ role: 'assistant', content: message.content, tool_calls: calls });
      for (const call of calls) {
        const done = await this.execute(principal, p, call, signal);
        executed.push(done);
        messages.push({ role: 'tool', tool_call_id: call.id, content: toolResultText(done.result) });
      }
    }
  }

  /**
   * A streamed completion as SSE text. Errors before anything is sent (a tool the caller may not
   * use, the first LLM call refused) are thrown here; later ones come out of `events`.
   */
  async stream(
    caller: GatewayCaller,
    principal: Principal,
    body: ChatCompletionRequest,
    signal?: AbortSignal,
  ): Promise<{ events: AsyncIterable<string> }> {
    const p = await this.prepare(principal, body);
    const messages = p.messages;
    const first = await this.gateway.stream(caller, this.request(p, messages, 0, true), signal);
    const id = completionId();
    const created = first.created;
    const model = body.model;
    const writer = new ChunkWriter(id, created, model, body.stream_options?.include_usage === true);
    const extension = (ev: ModelgardenStreamEvent) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], modelgarden: ev })}\n\n`;
    const loop = this;
    async function* events(): AsyncGenerator<string> {
      if (p.citations) yield extension({ type: 'citations', citations: p.citations });
      const total: Usage = { promptTokens: 0, completionTokens: 0 };
      let offset = 0;
      let opened = first;
      for (let step = 0; ; step++) {
        const calls: Call[] = [];
        let text = '';
        let finish: ChatStreamPart | undefined;
        for await (const part of opened.parts) {
          if (part.type === 'finish') finish = part;
          else if (part.type === 'tool-call-start') {
            calls[part.index] = {
              id: part.id,
              type: 'function',
              function: { name: part.name, arguments: '' },
            };
            yield writer.part({ ...part, index: part.index + offset });
          } else if (part.type === 'tool-call-delta') {
            const c = calls[part.index];
            if (c) c.function.arguments += part.argumentsDelta;
            yield writer.part({ ...part, index: part.index + offset });
          } else {
            if (part.type === 'text-delta') text += part.text;
            const out = writer.part(part);
            if (out) yield out;
          }
        }
        const used = opened.usage();
        if (used) {
          total.promptTokens += used.promptTokens;
          total.completionTokens += used.completionTokens;
        }
        const made = calls.filter(Boolean);
        if (!loop.runs(p, made, step)) {
          yield writer.part(
            finish ?? { type: 'finish', finishReason: made.length > 0 ? 'tool_calls' : 'stop' },
          );
          yield writer.end(total);
          return;
        }
        messages.push({ role: 'assistant', content: text || null, tool_calls: made });
        for (const call of made) {
          const tool = p.offered.find((t) => t.name === call.function.name);
          yield extension({
            type: 'tool_call',
            id: call.id,
            name: call.function.name,
            model: tool?.model ?? null,
            arguments: call.function.arguments,
          });
          const done = await loop.execute(principal, p, call, signal);
          yield extension({ type: 'tool_result', ...reportOf(done) });
          messages.push({ role: 'tool', tool_call_id: call.id, content: toolResultText(done.result) });
        }
        offset += calls.length;
        opened = await loop.gateway.stream(caller, loop.request(p, messages, step + 1, true), signal);
      }
    }
    return { events: events() };
  }
}
