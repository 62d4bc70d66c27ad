/**
 * The upstream of `npm run bench -- llm`: an OpenAI-compatible chat server on node:http, as cheap
 * as it can be. Model `instant` answers at once (JSON, or a 3-chunk stream); model `streaming`
 * streams like an LLM: the first chunk after BENCH_FIRST_MS (200), then one every BENCH_GAP_MS (20),
 * BENCH_CHUNKS (50) in all. Chunk i's content is `i,` so a client can check none is lost or
 * reordered. Usage: tsx bench/servers/fake-openai.ts PORT
 */
import http from 'node:http';

const port = Number(process.argv[2]);
const firstMs = Number(process.env.BENCH_FIRST_MS ?? 200);
const gapMs = Number(process.env.BENCH_GAP_MS ?? 20);
const chunks = Number(process.env.BENCH_CHUNKS ?? 50);
const MODELS = JSON.stringify({
  object: 'list',
  data: ['instant', 'streaming'].map((id) => ({
    id,
    object: 'model',
    created: 1_760_000_000,
    owned_by: 'bench',
  })),
});
const created = Math.floor(Date.now() / 1000);
const chunk = (i: number, model: string) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${created},"model":"${model}","choices":[{"index":0,"delta":{${i === 0 ? '"role":"assistant",' : ''}"content":"${i},"},"logprobs":null,"finish_reason":null}]}\n\n`;
const tail = (n: number, model: string) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${created},"model":"${model}","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n` +
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${created},"model":"${model}","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":${n},"total_tokens":${8 + n}}}\n\n` +
  'data: [DONE]\n\n';

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return res.end('ok');
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.setHeader('content-type', 'application/json');
      return res.end(MODELS);
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string; stream?: boolean };
      if (!body.stream) {
        res.setHeader('content-type', 'application/json');
        return res.end(
          `{"id":"chatcmpl-bench","object":"chat.completion","created":${created},"model":"${body.model}","choices":[{"index":0,"message":{"role":"assistant","content":"ok","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}}`,
        );
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (body.model !== 'streaming') {
        res.end(chunk(0, body.model) + chunk(1, body.model) + chunk(2, body.model) + tail(3, body.model));
        return;
      }
      let i = 0;
      let timer: NodeJS.Timeout;
      const next = () => {
        if (res.destroyed) return;
        res.write(chunk(i, body.model));
        i++;
        if (i === chunks) res.end(tail(chunks, body.model));
        else timer = setTimeout(next, gapMs);
      };
      timer = setTimeout(next, firstMs);
      res.on('close', () => clearTimeout(timer));
    });
  })
  .listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
