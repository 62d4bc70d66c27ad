/**
 * Starts Model Garden: context, HTTP app, listen, then start-up work (demo models, loading the
 * `production` versions) while /health/ready answers 503. close() drains in-flight requests,
 * releases sessions and closes the database.
 */
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type Config, loadConfig } from './config/config.js';
import { type AppContext, createContext, warmUp } from './context.js';
import { buildApp } from './http/app.js';
import { loggerFor } from './logger.js';

export interface StartOptions {
  dataDir?: string;
  port?: number;
  host?: string;
  logLevel?: string;
  seedDemoModels?: boolean;
  databaseUrl?: string;
  maxUploadMb?: number;
  /** Environment to read the rest of the config from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Where log lines go (default stdout); tests capture them. */
  logDestination?: DestinationStream;
  /** Resolve only when start-up work has finished (default true). */
  waitUntilReady?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  context: AppContext;
  /** Resolves when demo models are registered and production versions loaded. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function configFromOptions(options: StartOptions): Config {
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  if (options.dataDir !== undefined) env.DATA_DIR = options.dataDir;
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.host !== undefined) env.HOST = options.host;
  if (options.logLevel !== undefined) env.LOG_LEVEL = options.logLevel;
  if (options.seedDemoModels !== undefined) env.SEED_DEMO_MODELS = String(options.seedDemoModels);
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  if (options.maxUploadMb !== undefined) env.MAX_UPLOAD_MB = String(options.maxUploadMb);
  return loadConfig(env);
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = configFromOptions(options);
  const logger = loggerFor(config, options.logDestination);
  const context = await createContext(config, logger);
  let app: FastifyInstance;
  try {
    app = await buildApp(context);
    // Split roles: an `api` replica forwards predictions to the inference replicas.
    if (config.role === 'api') {
      const { registerInferenceForwarding } = await import('./roles/forward-inference.js');
      registerInferenceForwarding(app, context);
    }
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await context.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const ready = warmUp(context);
  ready.catch((err) => logger.error({ err }, 'start-up work failed'));
  if (options.waitUntilReady ?? true) await ready;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    app,
    context,
    ready,
    close() {
      closing ??= (async () => {
        // Not ready first, so balancers and Kubernetes stop routing here while we still serve.
        context.startup.stopping = true;
        if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        // Stops accepting and waits for in-flight requests. Connections that finish a response
        // after the close began become idle keep-alive sockets; sweep them so close() returns.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        await ready.catch(() => undefined);
        await context.close();
        // The last lines (the requests just drained) are out when close() resolves.
        logger.flush();
      })();
      return closing;
    },
  };
}
