// One message of a chat as the page shows it: the user's text and images, or the model's answer as
// sanitised markdown with the tool calls the gateway ran for it above, and its sources (citations)
// below; the answer being streamed is shown the same way.

import type { ConversationMessage } from '@modelgarden/sdk';
import { useState } from 'react';
import type { Citation, MessageContent, ToolCallView } from './chat-api';
import { Citations } from './citations';
import { Markdown } from './markdown';
import { ToolCalls } from './tool-calls';

export interface ShownMessage {
  key: string;
  role: 'user' | 'assistant';
  content: MessageContent;
  model?: string | null;
  usage?: { promptTokens: number; completionTokens: number } | null;
  finishReason?: string | null;
  toolCalls?: ToolCallView[];
  citations?: Citation[];
}

export const textOf = (content: MessageContent) =>
  typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
const imagesOf = (content: MessageContent) =>
  typeof content === 'string'
    ? []
    : content.flatMap((p) => (p.type === 'image_url' ? [p.image_url.url] : []));

export const fromStored = (m: ConversationMessage): ShownMessage => ({
  key: String(m.id),
  role: m.role,
  content: m.content as MessageContent,
  model: m.model,
  usage: m.usage,
  finishReason: m.finishReason,
  ...(m.extras?.toolCalls ? { toolCalls: m.extras.toolCalls } : {}),
  ...(m.extras?.citations ? { citations: m.extras.citations } : {}),
});

const NONE: never[] = [];

export function MessageView({ message, streaming = false }: { message: ShownMessage; streaming?: boolean }) {
  const [openCitation, setOpenCitation] = useState<number | null>(null);
  const images = imagesOf(message.content);
  const citations = message.citations ?? NONE;
  const text = textOf(message.content);
  return (
    <div
      className={
        message.role === 'user'
          ? 'ml-4 rounded-lg bg-emerald-50 p-3 sm:ml-12'
          : 'mr-4 rounded-lg bg-white p-3 shadow-sm sm:mr-12'
      }
      data-testid={streaming ? 'message-streaming' : `message-${message.role}`}
    >
      {message.toolCalls && <ToolCalls calls={message.toolCalls} />}
      <div className="prose-sm break-words text-sm text-slate-800">
        {message.role === 'user' ? (
          <p className="whitespace-pre-wrap">{text}</p>
        ) : (
          <Markdown text={text} citations={citations} onCite={setOpenCitation} />
        )}
      </div>
      {images.map((src) => (
        <img key={src.slice(-32)} src={src} alt="attachment" className="mt-2 max-h-40 rounded" />
      ))}
      <Citations citations={citations} open={openCitation} onOpen={setOpenCitation} />
      {message.role === 'assistant' && !streaming && (
        <p className="mt-2 text-xs text-slate-500" data-testid="message-meta">
          {message.model}
          {message.usage &&
            ` · ${message.usage.promptTokens} prompt + ${message.usage.completionTokens} completion tokens`}
          {message.finishReason === 'stopped' && ' · stopped'}
          {message.finishReason === 'error' && ' · ended by an error'}
        </p>
      )}
    </div>
  );
}
