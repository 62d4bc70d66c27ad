/**
 * The HTTP core of the fake LLM upstreams: a node:http server on loopback that records every request
 * and answers each one with a scripted response — JSON, a server-sent-event stream with per-frame
 * delays, a stream that stalls or drops its connection, or no answer at all. The wire-format fakes
 * (`openai.ts`, `ollama.ts`, `anthropic.ts`, `gemini.ts`) decide what to send; this decides how.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SSE frame: `event:` (optional) and `data:` lines, or a comment, after `delayMs`. */
export type SseFrame =
  | { data: string | object; event?: string; delayMs?: number }
  | { comment: string; delayMs?: number }
  /** Bytes sent as they are (framing tests: CRLF, an event or a character split across writes). */
  | { raw: string | Uint8Array; delayMs?: number };

export type FakeResponse =
  | { kind: 'json'; status?: number; headers?: Record<string, string>; body: unknown; delayMs?: number }
  | {
      kind: 'sse';
      status?: number;
      headers?: Record<string, string>;
      /** Before the status line and headers (a slow upstream; a slow first token is a delay on frame 0). */
      headerDelayMs?: number;
      frames: SseFrame[];
      /** After the last frame: end the response (default), destroy the socket, or keep it open forever. */
      end?: 'close' | 'destroy' | 'stall';
    }
  /** Read the request, then never answer (an upstream that hangs). */
  | { kind: 'hang' }
  /** Drop the connection without answering. */
  | { kind: 'destroy' };

export interface RecordedRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  body: unknown;
  rawBody: string;
  /** The client's port: requests sharing one came over one (kept-alive) connection. */
  remotePort: number | undefined;
  /** Settles when the exchange ends: `complete` when the answer was sent in full, `aborted` when the client left first. */
  readonly ended: Promise<'complete' | 'aborted'>;
}

export type Responder = (request: RecordedRequest) => FakeResponse;

export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a loopback server that answers each request with `respond(request)`. */
export async function startFakeServer(respond: Responder): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    let settle: (v: 'complete' | 'aborted') => void = () => {};
    const ended = new Promise<'complete' | 'aborted'>((resolve) => {
      settle = resolve;
    });
    res.on('close', () => settle(res.writableFinished ? 'complete' : 'aborted'));
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      rawBody,
      remotePort: req.socket.remotePort,
      ended,
    };
    requests.push(recorded);
    const answer = respond(recorded);
    const gone = () => res.destroyed || res.writableEnded;

    switch (answer.kind) {
      case 'hang':
        return;
      case 'destroy':
        res.socket?.destroy();
        return;
      case 'json':
        await wait(answer.delayMs ?? 0);
        if (gone()) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body));
        return;
      case 'sse': {
        await wait(answer.headerDelayMs ?? 0);
        if (gone()) return;
        res.writeHead(answer.status ?? 200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          ...answer.headers,
        });
        res.flushHeaders();
        for (const frame of answer.frames) {
          await wait(frame.delayMs ?? 0);
          if (gone()) return;
          res.write(encodeFrame(frame));
        }
        if (answer.end === 'destroy') {
          // Let what was written reach the socket first: the client gets the frames, then the break.
          await new Promise((resolve) => res.write('', resolve));
          res.socket?.destroy();
        } else if (answer.end !== 'stall') res.end();
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function encodeFrame(frame: SseFrame): string | Uint8Array {
  if ('raw' in frame) return frame.raw;
  if ('comment' in frame) return `: ${frame.comment}\n\n`;
  const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
  return `${frame.event ? `event: ${frame.event}\n` : ''}data: ${data}\n\n`;
}
