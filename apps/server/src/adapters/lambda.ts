/**
 * AWS Lambda entry: the same Fastify app behind API Gateway (HTTP API, payload 2.0) via
 * @fastify/aws-lambda. Config, context, app and onnxruntime sessions are built once per container.
 */
import os from 'node:os';
import path from 'node:path';
import awsLambdaFastify from '@fastify/aws-lambda';
import pino from 'pino';
import { type Config, loadConfig } from '../config/config.js';
import { createContext, warmUp } from '../context.js';
import { buildApp } from '../http/app.js';
import { loggerFor } from '../logger.js';

/** The parts of the Lambda context the adapter touches (aws-lambda's `Context`). */
export interface LambdaContext {
  awsRequestId?: string;
  callbackWaitsForEmptyEventLoop?: boolean;
  getRemainingTimeInMillis?: () => number;
}

export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<LambdaResult>;

export interface LambdaHandlerOptions {
  /** Read once, at the first invocation (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Tests only: let the embedded PGlite stand in for DATABASE_URL (each container would get its own). */
  allowEmbeddedDatabase?: boolean;
}

/** Refuses settings that cannot work when every container is short-lived and has its own disk. */
export function checkLambdaConfig(config: Config, allowEmbeddedDatabase = false): void {
  if (!config.databaseUrl && !allowEmbeddedDatabase) {
    throw new Error(
      'Invalid configuration for Lambda: DATABASE_URL is required (the embedded PGlite would give every container its own registry)',
    );
  }
  if (config.artifactStore.kind !== 's3') {
    throw new Error(
      "Invalid configuration for Lambda: ARTIFACT_STORE=s3 is required (a container's disk is private and temporary)",
    );
  }
}

/**
 * Builds a handler that boots Model Garden on its first invocation and reuses it afterwards; a
 * failed boot is retried by the next invocation.
 * @example export const handler = createLambdaHandler();
 */
export function createLambdaHandler(options: LambdaHandlerOptions = {}): LambdaHandler & Closable {
  let booting: Promise<Booted> | undefined;
  const handler = async (event: unknown, context: LambdaContext) => {
    booting ??= boot(options).catch((err: unknown) => {
      booting = undefined;
      throw err;
    });
    return (await booting).handle(event, context);
  };
  return Object.assign(handler, {
    /** Releases sessions and the database (tests; a container is simply frozen and reaped). */
    async close() {
      const booted = await booting?.catch(() => undefined);
      booting = undefined;
      await booted?.close();
    },
  });
}

interface Closable {
  close(): Promise<void>;
}

interface Booted extends Closable {
  handle: LambdaHandler;
}

async function boot(options: LambdaHandlerOptions): Promise<Booted> {
  const env = { ...(options.env ?? process.env) };
  // Only /tmp is writable on Lambda: staging for uploads, PGlite in tests.
  env.DATA_DIR ??= path.join(os.tmpdir(), 'modelgarden');
  const config = loadConfig(env);
  checkLambdaConfig(config, options.allowEmbeddedDatabase);
  // One write per line here: Lambda may freeze the container as soon as the answer is returned, before
  // the timed write of the server's batched destination (log-destination.ts) runs.
  const logger = loggerFor(config, pino.destination(1));
  const ctx = await createContext(config, logger);
  try {
    const app = await buildApp(ctx);
    // Decorates requests, so it must come before ready().
    const proxy = awsLambdaFastify(app, {
      binaryMimeTypes: ['application/octet-stream', 'image/png', 'image/jpeg', 'image/webp'],
      // The database pool keeps the event loop busy; answer as soon as the response is ready.
      callbackWaitsForEmptyEventLoop: false,
    });
    // Seeding and loading every `production` version happen here, once per container (the cold start).
    await warmUp(ctx);
    await app.ready();
    logger.info({ role: 'lambda' }, 'Model Garden ready on Lambda');
    return {
      handle: (event, context) => proxy(event, context as never) as Promise<LambdaResult>,
      async close() {
        await app.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

/** The Lambda entry (`handler` in the function's configuration: `dist/adapters/lambda.handler`). */
export const handler: LambdaHandler = createLambdaHandler();
