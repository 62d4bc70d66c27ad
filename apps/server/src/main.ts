/**
 * Process entry (`npm start`): reads the config from the environment and `.env`, starts the server
 * and shuts down gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight work, close the
 * database, exit 0).
 */
import { loadConfig } from './config/config.js';
import { startEmbeddedDatabase } from './db/embedded-start.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // The embedded database's thread starts (PGlite, migrations: ~0.5 s) while this thread loads the
  // server's modules (~0.7 s), instead of after them.
  if (!config.databaseUrl) startEmbeddedDatabase(config.dataDir);
  const { startServer } = await import('./server.js');
  const server = await startServer({ env: process.env, waitUntilReady: false });
  server.app.log.info(
    { url: server.url, dataDir: config.dataDir },
    `Model Garden listening on ${server.url}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      server.app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
