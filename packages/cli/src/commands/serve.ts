// `modelgarden serve`: the whole server in this process. Flags win; the server's own config loading
// (environment, then `.env`, then defaults) fills in the rest.

import type { StartOptions } from '@modelgarden/server';
import { Command, Option } from 'commander';
import { parseNonNegativeInt } from '../parse.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface ServeFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  logLevel?: string;
  demoModels: boolean;
  json?: boolean;
  role?: string;
  inferenceUrls?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the Model Garden server in this process')
    .option(
      '-p, --port <port>',
      'port, 0 for any free one (default: $PORT or 8080)',
      parseNonNegativeInt('--port'),
    )
    .option('--host <host>', 'interface to listen on (default: $HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'database and artifacts folder (default: $DATA_DIR or ./data)')
    .addOption(
      new Option('--log-level <level>', 'log level (default: $LOG_LEVEL or info)').choices(LOG_LEVELS),
    )
    .option('--no-demo-models', 'do not register the demo models (iris, digits)')
    .addOption(
      new Option(
        '--role <role>',
        'all: everything here; inference: holds models; api: forwards predictions (default: $ROLE or all)',
      ).choices(['all', 'api', 'inference']),
    )
    .option(
      '--inference-urls <urls>',
      'with --role api: comma-separated inference replica URLs (default: $INFERENCE_URLS)',
    )
    .option('--json', 'print {"url": …} on one line once ready')
    .action(async (flags: ServeFlags, command: Command) => {
      const json = flags.json === true || command.optsWithGlobals<{ json?: boolean }>().json === true;
      const env = { ...process.env };
      if (flags.role !== undefined) env.ROLE = flags.role;
      if (flags.inferenceUrls !== undefined) env.INFERENCE_URLS = flags.inferenceUrls;
      const options: StartOptions = { env };
      if (flags.port !== undefined) options.port = flags.port;
      if (flags.host !== undefined) options.host = flags.host;
      if (flags.dataDir !== undefined) options.dataDir = flags.dataDir;
      if (flags.logLevel !== undefined) options.logLevel = flags.logLevel;
      if (!flags.demoModels) options.seedDemoModels = false;

      // Loaded here, not at the top, so that the other commands start without the server's dependencies.
      const { startServer } = await import('@modelgarden/server');
      const server = await startServer(options);
      if (json) console.log(JSON.stringify({ url: server.url }));
      else console.log(`Model Garden is ready at ${server.url} (API docs at ${server.url}/docs)`);
      stopOnSignals(server);
    });
}

/** First SIGINT/SIGTERM: close gracefully (in-flight requests finish) and exit 0. A second: exit 1 now. */
function stopOnSignals(server: { close(): Promise<void> }): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`${signal}: shutting down…`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error [SHUTDOWN_FAILED]: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
