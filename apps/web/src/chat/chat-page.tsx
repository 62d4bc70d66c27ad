// /chat: talk to any model the gateway offers. Answers stream in as markdown (sanitised), Stop keeps
// the partial answer, and every question and answer is stored in the signed-in user's
// conversations (/api/conversations), so a reload shows them again (`?c=<id>` names the open one).
// A conversation may offer registered models as tools (the gateway runs them; each call is shown)
// and retrieve from knowledge bases (the answer's citations open their passages).

import type { NewConversationMessage } from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { toApiError } from '../api/api-error';
import { Button } from '../components/button';
import { ErrorAlert } from '../components/error-alert';
import { inputClass, selectClass } from '../components/field';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import {
  type ChatRequest,
  type Citation,
  type ContentPart,
  chatApi,
  type MessageContent,
  type StreamEvent,
  streamChat,
  type ToolCallView,
} from './chat-api';
import { ChoicePicker } from './choice-picker';
import { fromStored, MessageView, type ShownMessage, textOf } from './message-view';
import { withToolEvent } from './tool-calls';

/** The answer while it streams in. */
interface Draft {
  text: string;
  toolCalls: ToolCallView[];
  citations: Citation[];
}

function withEvent(draft: Draft, event: StreamEvent): Draft {
  switch (event.type) {
    case 'text':
      return { ...draft, text: draft.text + event.text };
    case 'tool_call':
    case 'tool_result':
      return { ...draft, toolCalls: withToolEvent(draft.toolCalls, event.call) };
    case 'citations':
      return { ...draft, citations: event.citations };
  }
}

const EMPTY_DRAFT: Draft = { text: '', toolCalls: [], citations: [] };

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** What to set when no provider is configured: said exactly, and nothing pretends to answer. */
export function NoProvider() {
  return (
    <div
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900"
      data-testid="no-provider"
    >
      <p className="font-medium">No LLM provider is configured, so there is no model to chat with.</p>
      <p className="mt-2">Set one of these variables for the server and restart it:</p>
      <ul className="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
        <li>OPENAI_API_KEY=sk-… (OpenAI; OPENAI_BASE_URL for another OpenAI-compatible server)</li>
        <li>OLLAMA_BASE_URL=http://127.0.0.1:11434 (a local Ollama: nothing leaves your machine)</li>
        <li>ANTHROPIC_API_KEY=sk-ant-…</li>
        <li>GEMINI_API_KEY=…</li>
      </ul>
    </div>
  );
}

/** A signed-in user whose role has no `chat` scope (viewers): said, and nothing to send. */
function NotAllowed() {
  return (
    <div
      className="rounded-lg border border-slate-300 bg-white p-4 text-sm text-slate-700"
      data-testid="chat-not-allowed"
    >
      Your account may not chat with the models: that needs the <span className="font-mono">chat</span> scope,
      which members and admins have. Ask an admin to change your role.
    </div>
  );
}

export function ChatPage() {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const openId = params.get('c');
  const providers = useQuery({ queryKey: ['llm-providers'], queryFn: chatApi.providers });
  const configured = providers.data?.configured === true;
  const models = useQuery({ queryKey: ['llm-models'], queryFn: chatApi.models, enabled: configured });
  const registry = useQuery({ queryKey: ['models'], queryFn: chatApi.registryModels, enabled: configured });
  const knowledgeBases = useQuery({
    queryKey: ['collections'],
    queryFn: chatApi.collections,
    enabled: configured,
  });
  const conversations = useQuery({ queryKey: ['conversations'], queryFn: chatApi.listConversations });
  const open = useQuery({
    queryKey: ['conversation', openId],
    queryFn: () => chatApi.getConversation(openId!),
    enabled: openId !== null,
  });

  const [messages, setMessages] = useState<ShownMessage[]>([]);
  const [model, setModel] = useState('');
  const [systemPrompt, setSystemPrompt] = useState('');
  const [temperature, setTemperature] = useState('');
  const [input, setInput] = useState('');
  const [images, setImages] = useState<string[]>([]);
  const [tools, setTools] = useState<string[]>([]);
  const [collections, setCollections] = useState<string[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  // While a question is sent and answered, the shown messages are this page's, not the store's.
  const [sending, setSending] = useState(false);
  const abort = useRef<AbortController | null>(null);

  // Show the stored conversation when one is opened (or the page reloads on it).
  useEffect(() => {
    if (!open.data || sending) return;
    setMessages(open.data.messages.map(fromStored));
    if (open.data.model) setModel(open.data.model);
    setSystemPrompt(open.data.systemPrompt ?? '');
    setTemperature(open.data.temperature === null ? '' : String(open.data.temperature));
    setTools(open.data.tools);
    setCollections(open.data.collections);
  }, [open.data, sending]);
  useEffect(() => {
    if (openId === null) setMessages([]);
  }, [openId]);
  useEffect(() => {
    const first = models.data?.[0]?.id;
    if (!model && first) setModel(first);
  }, [models.data, model]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['conversations'] });
  const rename = useMutation({
    mutationFn: ({ id, title }: { id: string; title: string }) => chatApi.updateConversation(id, { title }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => chatApi.deleteConversation(id),
    onSuccess: (_v, id) => {
      if (id === openId) setParams({});
      refresh();
    },
  });

  const streaming = draft !== null || sending;

  async function send(event: FormEvent) {
    event.preventDefault();
    const text = input.trim();
    if ((!text && images.length === 0) || !model || streaming) return;
    setError(null);
    setSending(true);
    const content: MessageContent =
      images.length === 0
        ? text
        : [
            ...(text ? [{ type: 'text', text } as ContentPart] : []),
            ...images.map((url) => ({ type: 'image_url', image_url: { url } }) as ContentPart),
          ];
    const temp = temperature === '' ? null : Number(temperature);
    try {
      let id = openId;
      if (id === null) {
        const created = await chatApi.createConversation({
          model,
          systemPrompt: systemPrompt || null,
          temperature: temp,
          tools,
          collections,
        });
        id = created.id;
        setParams({ c: id });
      } else {
        await chatApi.updateConversation(id, {
          model,
          systemPrompt: systemPrompt || null,
          temperature: temp,
          tools,
          collections,
        });
      }
      const question: ShownMessage = { key: `q${Date.now()}`, role: 'user', content };
      const history = [...messages, question];
      setMessages(history);
      setInput('');
      setImages([]);
      await chatApi.appendMessages(id, [{ role: 'user', content }]);
      refresh();

      const request: ChatRequest = {
        model,
        messages: [
          ...(systemPrompt ? [{ role: 'system' as const, content: systemPrompt }] : []),
          ...history.map((m): ChatRequest['messages'][number] =>
            m.role === 'user'
              ? { role: 'user', content: m.content }
              : { role: 'assistant', content: textOf(m.content) },
          ),
        ],
        ...(temp === null ? {} : { temperature: temp }),
        ...(tools.length > 0 || collections.length > 0
          ? {
              modelgarden: {
                ...(tools.length > 0 ? { tools } : {}),
                ...(collections.length > 0 ? { collections } : {}),
              },
            }
          : {}),
      };
      const controller = new AbortController();
      abort.current = controller;
      let answer = EMPTY_DRAFT;
      setDraft(answer);
      let result: { finishReason: string | null; usage: ShownMessage['usage'] };
      try {
        result = await streamChat(
          request,
          (event) => {
            answer = withEvent(answer, event);
            setDraft(answer);
          },
          controller.signal,
        );
      } catch (err) {
        setError(err);
        result = { finishReason: 'error', usage: null };
      }
      abort.current = null;
      // A stopped or broken answer is kept as far as it came; an empty failed one is not stored.
      const { text: reply, toolCalls, citations } = answer;
      if (reply !== '' || toolCalls.length > 0 || result.finishReason !== 'error') {
        const extras = {
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(citations.length > 0 ? { citations } : {}),
        };
        const stored: NewConversationMessage = {
          role: 'assistant',
          content: reply,
          model,
          usage: result.usage ?? null,
          finishReason: (result.finishReason ?? 'stop') as NewConversationMessage['finishReason'],
          ...(Object.keys(extras).length > 0 ? { extras } : {}),
        };
        setMessages((shown) => [...shown, { key: `a${Date.now()}`, ...stored, toolCalls, citations }]);
        await chatApi.appendMessages(id, [stored]);
      }
      setDraft(null);
      refresh();
      await queryClient.invalidateQueries({ queryKey: ['conversation', id] });
    } catch (err) {
      setDraft(null);
      setError(err);
    } finally {
      setSending(false);
    }
  }

  if (providers.isLoading) return <Spinner label="Loading" />;

  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <aside className="w-full shrink-0 space-y-2 md:w-64" data-testid="conversation-list">
        <Button variant="secondary" className="w-full" onClick={() => setParams({})} disabled={streaming}>
          New chat
        </Button>
        {conversations.data?.map((c) => (
          <div
            key={c.id}
            className={`group flex items-center gap-1 rounded-md px-2 py-1 text-sm ${c.id === openId ? 'bg-emerald-100' : 'hover:bg-slate-100'}`}
          >
            <button
              type="button"
              className="flex-1 truncate text-left"
              onClick={() => setParams({ c: c.id })}
              disabled={streaming}
              data-testid="conversation-item"
            >
              {c.title}
            </button>
            <button
              type="button"
              className="text-xs text-slate-500 hover:text-slate-800"
              aria-label={`Rename ${c.title}`}
              onClick={() => {
                const title = window.prompt('Rename the conversation', c.title)?.trim();
                if (title) rename.mutate({ id: c.id, title });
              }}
            >
              ✎
            </button>
            <button
              type="button"
              className="text-xs text-slate-500 hover:text-red-700"
              aria-label={`Delete ${c.title}`}
              onClick={() => {
                if (window.confirm(`Delete "${c.title}"?`)) remove.mutate(c.id);
              }}
            >
              ✕
            </button>
          </div>
        ))}
      </aside>

      <div className="min-w-0 flex-1 space-y-4">
        <PageHeader
          title="Chat"
          subtitle="Any model the LLM gateway offers; conversations are kept for you."
        />
        {providers.isError ? (
          <ErrorAlert error={toApiError(providers.error)} title="The LLM providers could not be read" />
        ) : conversations.isError && toApiError(conversations.error).status === 403 ? (
          <NotAllowed />
        ) : !configured ? (
          <NoProvider />
        ) : (
          <>
            <div className="flex flex-wrap items-end gap-3">
              <label className="text-sm font-medium text-slate-700">
                Model
                <select
                  className={`${selectClass} min-w-56`}
                  value={model}
                  onChange={(e) => setModel(e.target.value)}
                  disabled={streaming}
                >
                  {models.data?.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.id}
                    </option>
                  ))}
                </select>
              </label>
              <label className="text-sm font-medium text-slate-700">
                Temperature
                <input
                  className={`${inputClass} w-28`}
                  type="number"
                  min={0}
                  max={2}
                  step={0.1}
                  placeholder="default"
                  value={temperature}
                  onChange={(e) => setTemperature(e.target.value)}
                />
              </label>
              <label className="min-w-64 flex-1 text-sm font-medium text-slate-700">
                System prompt
                <input
                  className={inputClass}
                  value={systemPrompt}
                  onChange={(e) => setSystemPrompt(e.target.value)}
                  placeholder="You are a helpful assistant."
                />
              </label>
            </div>

            <div className="grid gap-3 sm:grid-cols-2">
              <ChoicePicker
                label="Models as tools"
                testId="tool-picker"
                choices={(registry.data ?? [])
                  .filter((m) => m.latestVersion !== null)
                  .map((m) => ({ value: m.name, ...(m.task ? { hint: m.task } : {}) }))}
                selected={tools}
                onChange={setTools}
                empty="No registered model you may use has a version yet."
                disabled={streaming}
              />
              <ChoicePicker
                label="Knowledge bases"
                testId="collection-picker"
                choices={(knowledgeBases.data ?? []).map((c) => ({
                  value: c.name,
                  hint: `${c.documents} document${c.documents === 1 ? '' : 's'}`,
                }))}
                selected={collections}
                onChange={setCollections}
                empty="No collection yet: create one on the Knowledge bases page."
                disabled={streaming}
              />
            </div>

            <div className="space-y-3 rounded-xl bg-slate-50 p-4" data-testid="chat-messages">
              {open.isLoading && <Spinner label="Loading the conversation" />}
              {messages.length === 0 && !streaming && (
                <p className="text-sm text-slate-500">Ask something to start.</p>
              )}
              {messages.map((m) => (
                <MessageView key={m.key} message={m} />
              ))}
              {draft !== null && (
                <MessageView
                  streaming
                  message={{
                    key: 'draft',
                    role: 'assistant',
                    content: draft.text,
                    toolCalls: draft.toolCalls,
                    citations: draft.citations,
                  }}
                />
              )}
            </div>
            {error !== null && <ErrorAlert error={toApiError(error)} title="The model did not answer" />}

            <form onSubmit={send} className="space-y-2">
              <textarea
                className={`${inputClass} min-h-20`}
                aria-label="Message"
                value={input}
                onChange={(e) => setInput(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && !e.shiftKey) {
                    e.preventDefault();
                    e.currentTarget.form?.requestSubmit();
                  }
                }}
                placeholder="Message (Enter sends, Shift+Enter for a new line)"
              />
              <div className="flex items-center gap-3">
                {streaming ? (
                  <Button variant="danger" onClick={() => abort.current?.abort()}>
                    Stop
                  </Button>
                ) : (
                  <Button type="submit" disabled={!model}>
                    Send
                  </Button>
                )}
                <label className="cursor-pointer text-sm text-slate-600">
                  Attach images (for models that take them)
                  <input
                    type="file"
                    accept="image/*"
                    multiple
                    className="sr-only"
                    onChange={async (e) => {
                      const files = [...(e.target.files ?? [])];
                      const urls = await Promise.all(files.map(readAsDataUrl));
                      setImages((current) => [...current, ...urls]);
                      e.target.value = '';
                    }}
                  />
                </label>
                {images.length > 0 && (
                  <span className="text-xs text-slate-500">
                    {images.length} image{images.length > 1 ? 's' : ''} attached{' '}
                    <button type="button" className="underline" onClick={() => setImages([])}>
                      remove
                    </button>
                  </span>
                )}
              </div>
            </form>
          </>
        )}
      </div>
    </div>
  );
}
