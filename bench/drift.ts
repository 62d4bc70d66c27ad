/**
 * `npm run bench -- drift`: one drift report's cost against the size of the prediction log, on the
 * embedded database and (with BENCH_DATABASE_URL or TEST_DATABASE_URL) a PostgreSQL server. The log
 * is filled by the database itself (generate_series: iris-like rows spread over the last day), the
 * reference is iris's shipped split. Printed per size: the report's wall time, the event loop's
 * busy time during it (performance.eventLoopUtilization), the main thread's CPU time (the quantity
 * the ≤ 50 ms target bounds, steadier than busy time on a loaded machine) and the longest stall seen
 * (monitorEventLoopDelay), each the median of three reports. BENCH_DRIFT_ROWS overrides the
 * sizes (comma-separated).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../apps/server/src/db/database.js';
import { DriftService } from '../apps/server/src/observability/drift-service.js';
import { PredictionLogService } from '../apps/server/src/observability/prediction-log.js';
import { REPO } from './lib/models.js';
import { median, print } from './lib/report.js';
import { withServerDatabase } from './lib/server-database.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/**
 * CPU time of this process's main thread (the event loop's) in ms, from Linux's schedstat: unlike
 * the event loop's busy time, it does not count moments the thread waited for a core on a loaded
 * machine, and unlike process.cpuUsage() it leaves out the database's worker thread. NaN elsewhere.
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

export async function runDrift(dir: string): Promise<void> {
  const sizes = (process.env.BENCH_DRIFT_ROWS ?? '10000,100000,1000000').split(',').map(Number);
  print('## Drift report against the size of the prediction log\n');
  print(
    '| Database | Logged rows | Report wall ms | Event-loop busy ms | Event-loop thread CPU ms | Longest stall ms | Live rows compared |',
  );
  print('|---|---:|---:|---:|---:|---:|---:|');
  const csv = await readFile(path.join(REPO, 'models', 'iris', 'reference.csv'), 'utf8');
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const run = async (name: string, url: string | undefined) => {
    const database = await openDatabase({ url, dataDir: path.join(dir, `drift-${name.length}`) });
    const logs = new PredictionLogService(database);
    const drift = new DriftService(database.db, logs);
    try {
      await drift.setReferenceFromCsv('iris', 1, csv, FEATURES);
      let filled = 0;
      for (const size of sizes) {
        const add = size - filled;
        await database.db.execute(sql`
          insert into prediction_logs (model, version, request_id, protocol, created_at, latency_ms, features, output, label)
          select 'iris', 1, 'r' || g, 'predict', now() - (g % 86400) * interval '1 second', 1,
            jsonb_build_object('sepal_length', 4.3 + (g % 36) / 10.0, 'sepal_width', 2 + (g % 24) / 10.0,
              'petal_length', 1 + (g % 59) / 10.0, 'petal_width', 0.1 + (g % 24) / 10.0),
            '{"label":"setosa","probability":0.9}'::jsonb, (array['setosa','versicolor','virginica'])[1 + g % 3]
          from generate_series(${filled + 1}::int, ${filled + add}::int) g`);
        filled = size;
        // Three reports per size (the first also warms V8 up); the median of each measure.
        const runs: Array<{ wall: number; busy: number; cpu: number; stall: number; rows: number }> = [];
        for (let i = 0; i < 3; i++) {
          const h = monitorEventLoopDelay({ resolution: 1 });
          h.enable();
          const elu = performance.eventLoopUtilization();
          const cpu0 = mainThreadCpuMs();
          const t0 = performance.now();
          const report = await drift.report('iris', 1);
          const wall = performance.now() - t0;
          const cpu = mainThreadCpuMs() - cpu0;
          const busy = performance.eventLoopUtilization(elu).active;
          h.disable();
          runs.push({ wall, busy, cpu, stall: h.max / 1e6, rows: report.liveRows });
        }
        const mid = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f)).toFixed(1);
        print(
          `| ${name} | ${size.toLocaleString('en')} | ${mid((r) => r.wall)} | ${mid((r) => r.busy)} | ${mid((r) => r.cpu)} | ${mid((r) => r.stall)} | ${runs[0]!.rows} |`,
        );
      }
    } finally {
      await logs.close();
      await database.close();
    }
  };
  await run('embedded (PGlite worker)', undefined);
  if (serverUrl)
    await withServerDatabase(serverUrl, 'mg_bench_drift', (url) => run('PostgreSQL server', url));
  else print('| PostgreSQL server | skipped: set BENCH_DATABASE_URL | | | | | |');
  print('');
}
