/**
 * Multipart bodies for the friendly predict route: the files of one field read into memory with
 * busboy, within limits, errors as our 4xx codes.
 *
 * Why not @fastify/multipart here: it adds two async hooks and a `close` listener to every request
 * of the scope it is registered in (the clean-up of disk-mode uploads, which we never use); for the
 * whole app that was ~5 % of a small JSON prediction's allocation. It stays registered for the model
 * upload route only (routes/models.ts), which streams its file to the artifact store.
 */
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ModelGardenError } from '../errors/model-garden-error.js';

const MULTIPART = /^multipart\/form-data\s*(?:;|$)/i;

/** Whether the request's body is multipart/form-data. */
export function isMultipart(req: FastifyRequest): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && MULTIPART.test(type);
}

/**
 * Accepts multipart/form-data bodies without reading them: the route reads the stream itself
 * (readMultipartFiles). A scope that registers @fastify/multipart removes this parser first.
 */
export function registerMultipartPassThrough(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', (_req, _payload, done) => done(null));
}

export interface MultipartLimits {
  /** Bytes per file. */
  fileSize: number;
  /** Files in the body. */
  files: number;
  /** Non-file fields (ignored, but bounded). */
  fields?: number;
  /** Bytes per non-file field. */
  fieldSize?: number;
  /** Parts of any kind. */
  parts?: number;
}

/**
 * What a multipart body the parser gave up on means: a body that never ended on a connection that is
 * gone is a client that went away (CANCELLED); any other (cut short, no closing boundary, no
 * boundary at all) was sent whole by a client still waiting for the answer, so it is BAD_REQUEST.
 */
export function multipartFailure(req: FastifyRequest, err: unknown): ModelGardenError {
  if (!req.raw.readableEnded && req.raw.destroyed) {
    return new ModelGardenError('CANCELLED', 'The client went away during the upload', { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ModelGardenError('BAD_REQUEST', `Malformed multipart request: ${message.slice(0, 200)}`, {
    cause: err,
  });
}

/**
 * An error thrown while reading an upload's parts, as the client's fault where it is: our own
 * errors and the multipart plugin's coded 4xx pass through, an operating-system error (the disk)
 * stays a server error, and the rest is the parser refusing the body (`multipartFailure`).
 */
export function uploadFailure(req: FastifyRequest, err: unknown): unknown {
  if (err instanceof ModelGardenError || !(err instanceof Error)) return err;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' || 'syscall' in err) return err;
  return multipartFailure(req, err);
}

const tooLarge = (message: string, limit: number) =>
  new ModelGardenError('PAYLOAD_TOO_LARGE', message, { details: { limit } });

/**
 * Reads every file of `field` into memory, in order; non-file fields are ignored. A file in another
 * field is BAD_REQUEST; past a limit, PAYLOAD_TOO_LARGE; a body busboy cannot parse, BAD_REQUEST.
 */
export async function readMultipartFiles(
  req: FastifyRequest,
  field: string,
  limits: MultipartLimits,
): Promise<Buffer[]> {
  return (await readMultipartUploads(req, field, limits)).map((f) => f.bytes);
}

/** A file of a multipart body with the name the client gave it (empty when it gave none). */
export interface MultipartUpload {
  filename: string;
  bytes: Buffer;
}

/** readMultipartFiles() with each file's name (the knowledge bases' uploads are typed by it). */
export function readMultipartUploads(
  req: FastifyRequest,
  field: string,
  limits: MultipartLimits,
): Promise<MultipartUpload[]> {
  return new Promise((resolve, reject) => {
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: req.headers as BusboyHeaders,
        limits: {
          fileSize: limits.fileSize,
          files: limits.files,
          fields: limits.fields ?? 20,
          fieldSize: limits.fieldSize ?? 1024 * 1024,
          parts: limits.parts ?? 100,
        },
      });
    } catch (err) {
      reject(multipartFailure(req, err));
      return;
    }
    const files: Array<MultipartUpload | undefined> = [];
    let reading = 0;
    let parsed = false;
    let settled = false;
    let failure: ModelGardenError | undefined;
    const finish = () => {
      if (failure || settled || !parsed || reading > 0) return;
      settled = true;
      resolve(files.filter((f): f is MultipartUpload => f !== undefined));
    };
    const fail = (error: ModelGardenError) => {
      if (failure || settled) return;
      failure = error;
      req.raw.unpipe(parser);
      // The rest of the body is not needed: let Node discard it (or close the connection).
      req.raw.resume();
      reject(error);
    };
    const gone = () => fail(new ModelGardenError('CANCELLED', 'The client went away during the upload'));
    /** A body that ends early: the client went away (CANCELLED), or sent a truncated one (BAD_REQUEST). */
    const malformed = (err: Error) => fail(multipartFailure(req, err));
    parser.on('file', (name, stream, filename) => {
      stream.on('error', malformed);
      if (failure || name !== field) {
        stream.resume();
        if (!failure)
          fail(new ModelGardenError('BAD_REQUEST', `Unexpected file field "${name}"; use "${field}"`));
        return;
      }
      const index = files.length;
      files.push(undefined);
      reading++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () =>
        fail(tooLarge(`A file is larger than the limit (${limits.fileSize} bytes)`, limits.fileSize)),
      );
      stream.on('end', () => {
        files[index] = { filename: filename ?? '', bytes: Buffer.concat(chunks) };
        reading--;
        finish();
      });
    });
    parser.on('filesLimit', () => fail(tooLarge(`More than ${limits.files} files`, limits.files)));
    parser.on('partsLimit', () =>
      fail(tooLarge('Too many parts in the multipart body', limits.parts ?? 100)),
    );
    parser.on('fieldsLimit', () =>
      fail(tooLarge('Too many fields in the multipart body', limits.fields ?? 20)),
    );
    parser.on('error', malformed);
    parser.on('finish', () => {
      parsed = true;
      finish();
    });
    // A client that goes away mid-upload (the request stream fails, or closes before its end): the
    // parser would otherwise wait for the rest for ever.
    req.raw.on('error', gone);
    req.raw.on('close', () => {
      if (!req.raw.readableEnded) gone();
    });
    req.raw.pipe(parser);
  });
}
