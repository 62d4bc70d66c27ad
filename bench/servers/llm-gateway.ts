/**
 * Model Garden as the LLM benchmark runs it: every production feature of the gateway on (API-key
 * auth, limits and budgets reserved in the database, usage recording, metrics, JSON request logs at
 * info), in front of the OpenAI-compatible upstream at UPSTREAM_URL. Usage:
 * tsx bench/servers/llm-gateway.ts PORT DATA_DIR (the admin key comes in BENCH_ADMIN_KEY; BENCH_DATABASE_URL
 * and BENCH_REDIS_URL put the database and the limit counters on a server).
 */
import { startServer } from '../../apps/server/src/server.js';

const [port, dataDir] = [Number(process.argv[2]), process.argv[3]!];
await startServer({
  port,
  dataDir,
  host: '127.0.0.1',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  env: {
    SEED_DEMO_MODELS: 'false',
    OPENAI_BASE_URL: `${process.env.UPSTREAM_URL}/v1`,
    OPENAI_API_KEY: 'sk-bench',
    MODELGARDEN_ADMIN_KEY: process.env.BENCH_ADMIN_KEY!,
    RATE_LIMIT_PER_MINUTE: '0',
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
    ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
  },
});
process.once('SIGTERM', () => process.exit(0));
