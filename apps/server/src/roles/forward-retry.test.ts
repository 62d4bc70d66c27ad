/**
 * An `api` replica with one INFERENCE_URLS entry, in front of fake inference upstreams (real node
 * http servers on loopback): a request whose connection breaks, or that a draining upstream answers
 * 503, is tried again on a fresh connection and its body sent again; an upstream that always fails
 * gives a 503 MODEL_NOT_READY within the deadline. With two URLs, a broken one is failed over.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const BODY = JSON.stringify({
  inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
});

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

interface Seen {
  url: string;
  body: string;
  /** Which connection carried it: 1 for the server's first socket, 2 for its second... */
  connection: number;
}

interface Upstream {
  url: string;
  seen: Seen[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

/** A fake inference replica; `behaviour` decides each request (n counts from 0). */
async function upstream(behaviour: Behaviour): Promise<Upstream> {
  const sockets = new Map<net.Socket, number>();
  const seen: Seen[] = [];
  const self: Upstream = { url: '', seen, behaviour, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = seen.length;
      seen.push({
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
        connection: sockets.get(req.socket)!,
      });
      self.behaviour(req, res, n);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => sockets.set(s, sockets.size + 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  self.close = async () => {
    for (const s of sockets.keys()) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return self;
}

const ok: Behaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-model-version': '1' });
  res.end(JSON.stringify({ predictions: [{ label: 'setosa' }] }));
};
/** What a replica killed mid-request does to the connection: gone, no answer. */
const reset: Behaviour = (req) => req.socket.destroy();
const draining: Behaviour = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: { code: 'SHUTTING_DOWN', message: 'draining' } }));
};

const predict = (api: TestServer) =>
  fetch(`${api.url}/api/models/iris/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });

interface Answer {
  predictions?: Array<{ label: string }>;
  error?: { code: string; details?: { failures?: Array<{ replica: string; error: string }> } };
}

describe('forwarding retries with one INFERENCE_URLS entry', () => {
  // One api replica and one upstream for the suite (starting servers is slow on a busy machine);
  // each test sets the upstream's behaviour and clears what it saw.
  let replica: Upstream;
  let api: TestServer;
  beforeAll(async () => {
    replica = await upstream(ok);
    api = await startTestServer({
      seedDemoModels: false,
      env: { ROLE: 'api', INFERENCE_URLS: replica.url, INFERENCE_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(async () => {
    await api?.close();
    await replica?.close();
  });
  const use = (behaviour: Behaviour) => {
    replica.behaviour = behaviour;
    replica.seen.length = 0;
  };

  it('retries a request whose pooled keep-alive connection breaks, on a fresh connection, body and all', async () => {
    let breakNext = false;
    const big = 'x'.repeat(2_000_000);
    use((req, res, n) => {
      if (breakNext) {
        breakNext = false;
        reset(req, res, n);
        return;
      }
      // A large answer: the fresh connection must stay open until it has all been read.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ predictions: [{ label: 'setosa' }], padding: big }));
    });
    const warm = await predict(api);
    expect(warm.status).toBe(200);
    await warm.arrayBuffer();
    breakNext = true;
    const res = await predict(api);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer & { padding: string };
    expect(answer.predictions?.[0]?.label).toBe('setosa');
    expect(answer.padding).toHaveLength(big.length);
    expect(replica.seen.map((s) => s.body)).toEqual([BODY, BODY, BODY]);
    const [first, broken, retried] = replica.seen;
    // The broken request reused the first request's keep-alive connection; the retry did not.
    expect(broken!.connection).toBe(first!.connection);
    expect(retried!.connection).not.toBe(broken!.connection);
    expect(retried!.url).toBe('/api/models/iris/predict');
  });

  it('retries when the first connection is destroyed mid-request', async () => {
    use((req, res, n) => (n === 0 ? reset(req, res, n) : ok(req, res, n)));
    const res = await predict(api);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).predictions?.[0]?.label).toBe('setosa');
    expect(replica.seen).toHaveLength(2);
    expect(replica.seen[1]!.body).toBe(BODY);
  });

  it('retries a 503 from a draining replica, and passes a second 503 through as written', async () => {
    use((req, res, n) => (n === 0 ? draining(req, res, n) : ok(req, res, n)));
    const res = await predict(api);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(replica.seen).toHaveLength(2);

    use(draining);
    const refused = await predict(api);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as Answer).error?.code).toBe('SHUTTING_DOWN');
    expect(replica.seen).toHaveLength(2);
  });

  it('answers 503 MODEL_NOT_READY within the deadline when every attempt breaks', async () => {
    use(reset);
    const t0 = Date.now();
    const res = await predict(api);
    expect(res.status).toBe(503);
    const answer = (await res.json()) as Answer;
    expect(answer.error?.code).toBe('MODEL_NOT_READY');
    expect(answer.error?.details?.failures).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(replica.seen).toHaveLength(2);
  });

  it('retries OIP infer and metadata routes too', async () => {
    use((req, res, n) => (n % 2 === 0 ? reset(req, res, n) : ok(req, res, n)));
    const infer = await fetch(`${api.url}/v2/models/iris/infer`, { method: 'POST', body: '{}' });
    expect(infer.status).toBe(200);
    await infer.arrayBuffer();
    const meta = await fetch(`${api.url}/v2/models/iris`);
    expect(meta.status).toBe(200);
    await meta.arrayBuffer();
    expect(replica.seen.map((s) => s.url)).toEqual([
      '/v2/models/iris/infer',
      '/v2/models/iris/infer',
      '/v2/models/iris',
      '/v2/models/iris',
    ]);
  });
});

describe('forwarding retries with two INFERENCE_URLS entries', () => {
  it('keeps round robin, and fails a broken replica over to the other', async () => {
    const a = await upstream(ok);
    const b = await upstream(ok);
    const api = await startTestServer({
      seedDemoModels: false,
      env: { ROLE: 'api', INFERENCE_URLS: `${a.url},${b.url}`, INFERENCE_TIMEOUT_MS: '5000' },
    });
    try {
      const fourPredictions = async () => {
        for (let i = 0; i < 4; i++) {
          const res = await predict(api);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }
      };
      await fourPredictions();
      expect([a.seen.length, b.seen.length]).toEqual([2, 2]);
      a.behaviour = reset;
      await fourPredictions();
      // Round robin still starts two of the four on a; each of those breaks and moves to b.
      expect([a.seen.length, b.seen.length]).toEqual([4, 6]);
    } finally {
      await api.close();
      await a.close();
      await b.close();
    }
  });
});
