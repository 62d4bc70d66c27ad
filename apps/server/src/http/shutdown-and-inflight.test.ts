/**
 * Operational promises: the in-flight gauge (the autoscaling signal) returns to zero even when
 * clients abort mid-request; on shutdown readiness turns 503 before the server stops accepting, and
 * a request in flight is answered with `Connection: close`.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../test-support/test-server.js';

const inFlight = (metrics: string) =>
  Number(/^http_server_active_requests (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);

describe('operations', () => {
  it('does not leak in-flight requests when clients abort mid-upload', async () => {
    const server = await startTestServer();
    try {
      const { port } = new URL(server.url);
      await Promise.all(
        Array.from({ length: 5 }, () => {
          return new Promise<void>((resolve) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write(
                'POST /api/models/aborted/versions HTTP/1.1\r\nHost: x\r\n' +
                  'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n' +
                  '--b\r\nContent-Disposition: form-data; name="file"; filename="m.onnx"\r\n\r\npartial',
              );
              setTimeout(() => {
                socket.destroy();
                resolve();
              }, 100);
            });
          });
        }),
      );
      let value = Number.NaN;
      for (let i = 0; i < 50; i++) {
        value = inFlight(await (await fetch(`${server.url}/metrics`)).text());
        if (value <= 1) break; // the scrape itself is in flight
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(value).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('answers 503 on readiness during the shutdown delay, then stops', async () => {
    const server = await startTestServer({ env: { SHUTDOWN_DELAY_MS: '400' } });
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    const closing = server.close();
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'not_ready', checks: { models: 'stopping' } });
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(503);
    await closing;
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
  });

  it('answers a request in flight at shutdown, with Connection: close', async () => {
    const server = await startTestServer();
    const { port } = new URL(server.url);
    const body = JSON.stringify({
      inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
    });
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Headers and half the body now; the rest once shutdown has begun.
    socket.write(
      `POST /api/models/iris/predict HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 100));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 200));
    socket.write(body.slice(10));
    await ended;
    await closing;
    const [head] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head!.toLowerCase()).toContain('connection: close');
  });
});
