/** Multipart bodies read with busboy (multipart-files.ts): order, limits, bad bodies, a client gone mid-upload. */
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { multipart } from '../test-support/test-server.js';
import { errorHandler } from './error-handler.js';
import { isMultipart, readMultipartFiles, registerMultipartPassThrough } from './multipart-files.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose one route answers with the sizes and first bytes of the "image" files it read. */
async function appReading(limits = { fileSize: 100, files: 3 }) {
  const outcomes: unknown[] = [];
  app = Fastify();
  app.setErrorHandler(errorHandler);
  registerMultipartPassThrough(app);
  app.post('/upload', async (req) => {
    if (!isMultipart(req)) return { multipart: false };
    try {
      const files = await readMultipartFiles(req, 'image', limits);
      outcomes.push(files.length);
      return { files: files.map((f) => f.toString('utf8')) };
    } catch (err) {
      outcomes.push(err);
      throw err;
    }
  });
  await app.ready();
  return outcomes;
}

const post = (body: { payload: Buffer; headers: Record<string, string> }) =>
  app!.inject({ method: 'POST', url: '/upload', ...body });

describe('readMultipartFiles', () => {
  it('reads the files of one field in order and ignores plain fields', async () => {
    await appReading();
    const res = await post(
      multipart([
        { name: 'image', filename: 'a.png', data: 'first' },
        { name: 'note', data: 'a text field' },
        { name: 'image', filename: 'b.png', data: 'second' },
      ]),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ files: ['first', 'second'] });
    const json = await app!.inject({ method: 'POST', url: '/upload', payload: { a: 1 } });
    expect(json.json()).toEqual({ multipart: false });
  });

  it('refuses a file in another field, a file over the size limit and too many files', async () => {
    await appReading();
    const other = await post(multipart([{ name: 'picture', filename: 'a.png', data: 'x' }]));
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('"picture"'),
    });
    const big = await post(multipart([{ name: 'image', filename: 'a.png', data: Buffer.alloc(101) }]));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 100 } });
    const many = await post(
      multipart(Array.from({ length: 4 }, (_, i) => ({ name: 'image', filename: `${i}.png`, data: 'x' }))),
    );
    expect(many.statusCode).toBe(413);
    expect(many.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 3 } });
    // Exactly at the limits is fine.
    const fits = await post(
      multipart(
        Array.from({ length: 3 }, (_, i) => ({ name: 'image', filename: `${i}.png`, data: 'y'.repeat(100) })),
      ),
    );
    expect(fits.statusCode, fits.body).toBe(200);
  });

  it('answers a body it cannot parse with 400', async () => {
    await appReading();
    const noBoundary = await app!.inject({
      method: 'POST',
      url: '/upload',
      payload: 'whatever',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary.statusCode).toBe(400);
    expect(noBoundary.json().error.code).toBe('BAD_REQUEST');
    const body = multipart([{ name: 'image', filename: 'a.png', data: 'x' }]);
    const cut = await post({ ...body, payload: body.payload.subarray(0, body.payload.length - 20) });
    expect(cut.statusCode).toBe(400);
  });

  it('gives up on a client that goes away mid-upload instead of waiting for ever', async () => {
    const outcomes = await appReading({ fileSize: 1_000_000, files: 3 });
    await app!.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app!.server.address() as net.AddressInfo;
    const body = multipart([{ name: 'image', filename: 'a.png', data: Buffer.alloc(50_000) }]);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${body.headers['content-type']}\r\n` +
        `Content-Length: ${body.payload.length}\r\n\r\n`,
    );
    socket.write(body.payload.subarray(0, 1000));
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await expect.poll(() => outcomes.length, { timeout: 2000 }).toBe(1);
    expect(outcomes[0]).toBeInstanceOf(ModelGardenError);
    expect((outcomes[0] as ModelGardenError).code).toBe('CANCELLED');
  });
});
