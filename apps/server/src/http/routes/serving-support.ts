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
  app.addContentTypeParser(['application/json', 'application/octet-stream'], { parseAs: 'buffer' }, parse);
}
