/**
 * Model Garden as the LLM benchmark runs it: every production feature of the gateway on (API-key
 * auth, limits and budgets reserved in the database, usage recording, metrics, JSON request logs at
 * info), in front of the OpenAI-compatible upstream at UPSTREAM_URL. Usage:
 * tsx bench/servers/llm-gateway.ts PORT DATA_DIR (the admin key comes in BENCH_ADMIN_KEY; BENCH_DATABASE_URL
 * and BENCH_REDIS_URL put the database and the limit counters on a server).
 *
 * With BENCH_STATS_PORT it also answers `GET /` there (loopback, outside the app) with what the
 * process did since the last such call: event-loop delay (p50 / p99 / max), GC pauses by kind and
 * bytes allocated on the V8 heap, so a phase's figures do not depend on the machine's load. With
 * BENCH_HEAP_PROFILE=1 each such call also writes the allocations sampled since the last one
 * (garbage included) to `heap-N.heapprofile` beside DATA_DIR, for Chrome DevTools' Memory tab.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
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

if (process.env.BENCH_STATS_PORT) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const noGc = () => ({
    scavenges: 0,
    scavengeMs: 0,
    scavengeMaxMs: 0,
    majors: 0,
    majorMs: 0,
    majorMaxMs: 0,
  });
  let gc = noGc();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // kind 1 (minor) is a scavenge; 2 (major), 4 (incremental), 8 (weak callbacks) count as major.
      const minor = (e as unknown as { detail?: { kind?: number } }).detail?.kind === 1;
      if (minor) {
        gc.scavenges++;
        gc.scavengeMs += e.duration;
        gc.scavengeMaxMs = Math.max(gc.scavengeMaxMs, e.duration);
      } else {
        gc.majors++;
        gc.majorMs += e.duration;
        gc.majorMaxMs = Math.max(gc.majorMaxMs, e.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  // Bytes allocated: the heap's growth between collections (GCProfiler's before/after sizes).
  let profiler = new v8.GCProfiler();
  profiler.start();
  let usedAtStart = v8.getHeapStatistics().used_heap_size;
  let since = performance.now();
  const allocated = (
    stats: Array<{
      beforeGC: { heapStatistics: { usedHeapSize: number } };
      afterGC: { heapStatistics: { usedHeapSize: number } };
    }>,
  ) => {
    let bytes = 0;
    let last = usedAtStart;
    for (const s of stats) {
      bytes += s.beforeGC.heapStatistics.usedHeapSize - last;
      last = s.afterGC.heapStatistics.usedHeapSize;
    }
    return bytes + v8.getHeapStatistics().used_heap_size - last;
  };
  // Sampled allocations, the ones already collected included (what a scavenge cleans up).
  const inspector = process.env.BENCH_HEAP_PROFILE ? new Session() : undefined;
  let profiles = 0;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      inspector!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const sampling = {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  };
  if (inspector) {
    inspector.connect();
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', sampling);
  }
  http
    .createServer(async (_req, res) => {
      if (inspector) {
        const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
        writeFileSync(path.join(dataDir, '..', `heap-${++profiles}.heapprofile`), JSON.stringify(profile));
        await post('HeapProfiler.startSampling', sampling);
      }
      const result = profiler.stop() as unknown as { statistics: Parameters<typeof allocated>[0] };
      const body = {
        seconds: (performance.now() - since) / 1000,
        allocatedBytes: allocated(result.statistics),
        loopDelayMs: {
          p50: delay.percentile(50) / 1e6,
          p99: delay.percentile(99) / 1e6,
          max: delay.max / 1e6,
        },
        gc,
      };
      profiler = new v8.GCProfiler();
      usedAtStart = v8.getHeapStatistics().used_heap_size;
      profiler.start();
      since = performance.now();
      delay.reset();
      gc = noGc();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    })
    .listen(Number(process.env.BENCH_STATS_PORT), '127.0.0.1');
}
