/**
 * Model Garden as the benchmarks run it: one process, every production feature on (validation,
 * JSON request logs at info, metrics), demo models seeded. Usage: tsx bench/servers/model-garden.ts PORT DATA_DIR
 * (BENCH_LOG_LEVEL changes the log level, for profiling runs that compare the cost of request logs;
 * BENCH_DATABASE_URL puts its database on a PostgreSQL server instead of the embedded one).
 */
import { startServer } from '../../apps/server/src/server.js';

const [port, dataDir] = [Number(process.argv[2]), process.argv[3]!];
await startServer({
  port,
  dataDir,
  host: '127.0.0.1',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  // Its own settings only: a DATABASE_URL in the caller's shell must not point the benchmark at a server.
  env: {
    ANONYMOUS_LOOPBACK_WRITES: 'true',
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  },
});
// Exit on SIGTERM through process.exit so --cpu-prof (profiling runs) can write its profile.
process.once('SIGTERM', () => process.exit(0));
