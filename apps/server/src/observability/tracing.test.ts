/**
 * Traces and logs of one prediction, checked end to end: an in-process OTLP/HTTP receiver gets the
 * spans the server exports, and every log line of the request carries its request and trace ids.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const spans: OtlpSpan[] = [];
const logLines: Array<Record<string, unknown>> = [];
let receiver: Server;
let server: TestServer;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const { port } = receiver.address() as AddressInfo;
  const capture = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      cb();
    },
  });
  server = await startTestServer({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    logLevel: 'info',
    logDestination: capture,
  });
});
afterAll(async () => {
  await server?.close();
  receiver?.close();
});

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe('tracing and request logs', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';

  it('exports a SERVER span for a prediction that continues the caller trace', async () => {
    const res = await fetch(`${server.url}/api/models/iris/predict`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${parentId}-01`,
        'x-request-id': 'trace-test-1',
      },
      body: JSON.stringify({
        inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
      }),
    });
    expect(res.status).toBe(200);
    expect((await fetch(`${server.url}/api/models`)).status).toBe(200);
    await server.context.tracing.shutdown(); // flushes the batch processor
    const root = spans.find((s) => s.name === 'POST /api/models/:name/predict');
    expect(root, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    expect(root!.traceId).toBe(traceId);
    expect(root!.parentSpanId).toBe(parentId);
    expect(root!.kind).toBe(2); // SERVER
    expect(attr(root!, 'http.request.method')).toBe('POST');
    expect(attr(root!, 'http.route')).toBe('/api/models/:name/predict');
    expect(attr(root!, 'url.path')).toBe('/api/models/iris/predict');
    expect(Number(attr(root!, 'http.response.status_code'))).toBe(200);
    expect(attr(root!, 'modelgarden.request_id')).toBe('trace-test-1');
  });

  it('nests queue wait, pre/post-processing under the request and links the batch execution to it', () => {
    const root = spans.find((s) => s.name === 'POST /api/models/:name/predict')!;
    const children = spans.filter((s) => s.parentSpanId === root.spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(['preprocess', 'queue wait', 'postprocess']));
    const batch = spans.find((s) => s.name === 'batch execution' && s.traceId === traceId);
    expect(batch, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    const links = (batch as OtlpSpan & { links?: Array<{ spanId: string; traceId: string }> }).links ?? [];
    expect(links).toContainEqual(expect.objectContaining({ traceId, spanId: root.spanId }));
    expect(Number(attr(batch!, 'modelgarden.batch.requests'))).toBeGreaterThanOrEqual(1);
  });

  it('records database calls as CLIENT spans under the request', () => {
    const list = spans.find((s) => s.name === 'GET /api/models')!;
    expect(list).toBeDefined();
    const db = spans.filter((s) => s.traceId === list.traceId && s.kind === 3);
    expect(db.length).toBeGreaterThan(0);
    expect(db.map((s) => s.name)).toContain('SELECT');
    expect(String(attr(db[0]!, 'db.query.text'))).toMatch(/select/i);
  });

  it('puts the request id and trace id on every log line of the request', () => {
    const lines = logLines.filter((l) => l.reqId === 'trace-test-1');
    expect(lines.map((l) => l.msg)).toContain('request completed');
    for (const line of lines) expect(line.traceId).toBe(traceId);
  });
});
