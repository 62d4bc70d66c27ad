import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../spec.js';
import { HttpClient, kindForStatus, networkError, retryAfter } from './http.js';
import { OpenAIStreamTranslator, parseOpenAIErrorBody } from './openai-compatible.js';

describe('retry hints', () => {
  it('reads retry-after-ms first, then retry-after as seconds or an HTTP date', () => {
    expect(retryAfter({ 'retry-after-ms': '1500.4', 'retry-after': '9' })).toBe(1500);
    expect(retryAfter({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfter({ 'retry-after': '0.5' })).toBe(500);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = retryAfter({ 'retry-after': inTenSeconds });
    expect(fromDate).toBeGreaterThan(5_000);
    expect(fromDate).toBeLessThanOrEqual(10_000);
    expect(retryAfter({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() })).toBe(0);
  });

  it('ignores what is not a hint', () => {
    expect(retryAfter({})).toBeUndefined();
    expect(retryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfter({ 'retry-after': '' })).toBeUndefined();
    expect(retryAfter({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(retryAfter({ 'retry-after': ['4', '8'] })).toBe(4000);
  });
});

describe('status and network failures', () => {
  it('maps statuses to what the router does with them', () => {
    const table = Object.fromEntries(
      [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529].map((s) => [
        s,
        kindForStatus(s),
      ]),
    );
    expect(table).toEqual({
      400: 'invalid-request',
      401: 'auth',
      402: 'auth',
      403: 'auth',
      404: 'invalid-request',
      408: 'timeout',
      409: 'server',
      413: 'invalid-request',
      422: 'invalid-request',
      429: 'rate-limited',
      500: 'server',
      502: 'server',
      503: 'server',
      504: 'server',
      529: 'server',
    });
  });

  it("tells undici's timeouts from broken connections, looking through causes", () => {
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    expect(networkError('p', wrapped)).toMatchObject({
      kind: 'timeout',
      details: { provider: 'p', upstreamCode: 'UND_ERR_CONNECT_TIMEOUT' },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(networkError('p', refused)).toMatchObject({
      kind: 'connection',
      details: { upstreamCode: 'ECONNREFUSED' },
    });
    expect(networkError('p', refused).retryable).toBe(true);
  });
});

describe('HttpClient.streamParts over a real socket', () => {
  const servers: http.Server[] = [];
  const clients: HttpClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const s of servers.splice(0)) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(handler: http.RequestListener): Promise<HttpClient> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new HttpClient({
      provider: 'p',
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      headers: {},
      parseErrorBody: parseOpenAIErrorBody,
    });
    clients.push(client);
    return client;
  }
  const event = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const translator = () => new OpenAIStreamTranslator('p', () => undefined);
  const spec = { method: 'POST' as const, path: '/chat/completions', body: {} };

  it('keeps every part in order across arbitrary chunk boundaries and reads nothing after [DONE]', async () => {
    const text = `${Array.from({ length: 20 }, (_, i) => event({ content: `${i},` })).join('')}${event({}, 'stop')}data: [DONE]\n\n${event({ content: 'after the end' })}`;
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split into 7-byte writes, cutting lines and multi-byte-free events anywhere.
      let i = 0;
      const next = () => {
        if (i >= text.length) return res.end();
        res.write(text.slice(i, i + 7));
        i += 7;
        setImmediate(next);
      };
      next();
    });
    const got: ChatStreamPart[] = [];
    for await (const p of client.streamParts(spec, undefined, translator())) got.push(p);
    expect(got).toEqual([
      ...Array.from({ length: 20 }, (_, i) => ({ type: 'text-delta', text: `${i},` })),
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('stops reading the upstream while parts wait for a reader (backpressure)', async () => {
    let finished = false;
    const client = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = event({ content: 'x'.repeat(16_000) });
      // 64 MB, each write waiting for the last to drain: only a reader that keeps reading lets it finish.
      for (let sent = 0; sent < 64_000_000 && !res.destroyed; sent += chunk.length) {
        if (!res.write(chunk))
          await new Promise<void>((r) => {
            const go = () => {
              res.off('drain', go).off('close', go);
              r();
            };
            res.once('drain', go).once('close', go);
          });
      }
      finished = !res.destroyed;
    });
    const parts = client.streamParts(spec, undefined, translator());
    expect((await parts.next()).value).toMatchObject({ type: 'text-delta' });
    // Not a timing check: a paused reader never lets the upstream finish, however long this waits.
    await new Promise((r) => setTimeout(r, 1500));
    expect(finished).toBe(false);
    await parts.return!();
  });

  it('aborts the request when the reader stops before the upstream answers', async () => {
    let closed: () => void;
    const gone = new Promise<void>((r) => {
      closed = r;
    });
    let arrived: () => void;
    const received = new Promise<void>((r) => {
      arrived = r;
    });
    const client = await serve((req) => {
      req.on('close', () => closed());
      arrived();
    });
    const parts = client.streamParts(spec, undefined, translator());
    const first = parts.next();
    await received;
    expect(await parts.return!()).toEqual({ done: true, value: undefined });
    expect(await first).toEqual({ done: true, value: undefined });
    await gone;
    expect(await parts.next()).toEqual({ done: true, value: undefined });
  });
});
