/**
 * HTTP glue for the serving engine, shared by the OIP and predict routes: client disconnects become
 * cancellations, QUEUE_FULL/not-ready errors carry Retry-After, and the OIP binary request body
 * (JSON header + raw tensor bytes) is split before validation.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import type { JsonLimits } from '../../security/safe-json.js';
import type { Cancellable, CancelSignal } from '../../serving/scheduler.js';
import { POOL_MIN_BYTES, tensorPool } from '../../serving/tensor-pool.js';
import { errorHandler } from '../error-handler.js';
import { jsonBodyParser } from '../json-parser.js';

export const HEADER_LENGTH = 'inference-header-content-length';

declare module 'fastify' {
  interface FastifyRequest {
    /** The binary section of an OIP request that used the binary tensor data extension. */
    oipBinary: Buffer | null;
  }
}

/** A connection's cancellation signal (see cancelOnDisconnect). */
const SIGNAL = Symbol('modelgarden.cancelSignal');
type WatchedSocket = Socket & { [SIGNAL]?: CancelSignal };

/**
 * Cancels the request's queued or running work when its connection closes first. One 'close'
 * listener and one signal per connection, holding the requests it has in flight, rather than a
 * listener per request: the scheduler drops a request from the set when it settles.
 */
export function cancelOnDisconnect(reply: FastifyReply): CancelSignal | undefined {
  const socket = reply.request.raw.socket as WatchedSocket | null;
  if (!socket) return undefined;
  let signal = socket[SIGNAL];
  if (signal === undefined) {
    const pending = new Set<Cancellable>();
    socket.once('close', () => {
      for (const r of pending) r.cancel();
      pending.clear();
    });
    signal = {
      onCancel(request) {
        pending.add(request);
        return pending;
      },
    };
    socket[SIGNAL] = signal;
  }
  return signal;
}

/** The route error handler: Retry-After on backpressure, then the app's error handler. */
export function servingErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ModelGardenError) {
    const seconds = error.details?.retryAfterSeconds;
    if (typeof seconds === 'number') reply.header('retry-after', String(seconds));
    else if (error.code === 'MODEL_NOT_READY' || error.code === 'MODEL_LOAD_FAILED')
      reply.header('retry-after', '5');
  }
  return errorHandler(error, request, reply);
}

/**
 * Parses OIP bodies: plain JSON as usual; with `Inference-Header-Content-Length`, the first N bytes
 * are the JSON header and the rest is kept as `request.oipBinary` for the tensor decoder.
 */
export function registerInferBodyParser(app: FastifyInstance, limits: JsonLimits): void {
  app.decorateRequest('oipBinary', null);
  const parseJson = jsonBodyParser(limits);
  const parse = (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const raw = req.headers[HEADER_LENGTH];
    if (raw === undefined) {
      parseJson(req, body.toString('utf8'), done);
      return;
    }
    const length = Number(raw);
    if (!Number.isSafeInteger(length) || length < 0 || length > body.length) {
      done(
        new ModelGardenError(
          'BAD_REQUEST',
          `Invalid Inference-Header-Content-Length ${String(raw).slice(0, 32)}`,
        ),
      );
      return;
    }
    req.oipBinary = body.subarray(length);
    parseJson(req, body.subarray(0, length).toString('utf8'), done);
  };
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parse);
  app.addContentTypeParser('application/octet-stream', (req, payload, done) =>
    readBinaryInfer(req, payload, app.initialConfig.bodyLimit ?? 1024 * 1024, parse, parseJson, done),
  );
}

/**
 * Reads an OIP binary request as it arrives: the JSON header into its own small buffer, the binary
 * section straight into a buffer of the engine's tensor pool (serving/tensor-pool.ts), so a CNN's
 * ~600 KB per request is not first gathered into a fresh buffer (Fastify's `parseAs: 'buffer'`
 * concatenates the chunks) and then copied again: the decoder takes aligned tensors as views of it.
 * Without a Content-Length (chunked) the body is gathered and parsed as before.
 */
function readBinaryInfer(
  req: FastifyRequest,
  payload: NodeJS.ReadableStream,
  bodyLimit: number,
  parse: (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => void,
  parseJson: ReturnType<typeof jsonBodyParser>,
  done: (err: Error | null, value?: unknown) => void,
): void {
  const total = Number(req.headers['content-length']);
  const raw = req.headers[HEADER_LENGTH];
  const headerLength = Number(raw);
  const tooLarge = () =>
    new ModelGardenError('PAYLOAD_TOO_LARGE', `The request body is larger than ${bodyLimit} bytes`);
  if (
    raw === undefined ||
    !Number.isSafeInteger(total) ||
    !Number.isSafeInteger(headerLength) ||
    headerLength < 0 ||
    headerLength > total
  ) {
    // Unusual requests (no binary header, no Content-Length, a bad header length) take the general path.
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= bodyLimit) chunks.push(chunk);
    });
    payload.on('error', (err) => done(err as Error));
    payload.on('end', () => (size > bodyLimit ? done(tooLarge()) : parse(req, Buffer.concat(chunks), done)));
    return;
  }
  if (total > bodyLimit) {
    done(tooLarge());
    return;
  }
  const header = Buffer.allocUnsafe(headerLength);
  const binaryLength = total - headerLength;
  const binary =
    binaryLength >= POOL_MIN_BYTES
      ? Buffer.from(tensorPool.take(binaryLength), 0, binaryLength)
      : Buffer.allocUnsafe(binaryLength);
  let at = 0;
  let failed = false;
  payload.on('data', (chunk: Buffer) => {
    if (failed) return;
    if (at + chunk.length > total) {
      failed = true;
      done(new ModelGardenError('BAD_REQUEST', 'The request body is longer than its Content-Length'));
      return;
    }
    let from = 0;
    if (at < headerLength) {
      from = Math.min(chunk.length, headerLength - at);
      chunk.copy(header, at, 0, from);
    }
    if (from < chunk.length) chunk.copy(binary, at + from - headerLength, from);
    at += chunk.length;
  });
  payload.on('error', (err) => {
    if (!failed) done(err as Error);
    failed = true;
  });
  payload.on('end', () => {
    if (failed) return;
    if (at !== total) {
      done(new ModelGardenError('BAD_REQUEST', 'The request body is shorter than its Content-Length'));
      return;
    }
    req.oipBinary = binary;
    parseJson(req, header.toString('utf8'), done);
  });
}
