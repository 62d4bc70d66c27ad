/**
 * Benchmark 1: a tiny model (iris) against the course baseline (FastAPI + uvicorn + scikit-learn)
 * and the ceiling of our stack (bare Fastify + onnxruntime-node), 16 connections each, one at a time.
 */
import { pythonHas } from './lib/models.js';
import type { Running } from './lib/processes.js';
import { print, ratio, table } from './lib/report.js';
import { startBareFastify, startFastApi, startModelGarden } from './lib/servers.js';
import { type LoadResult, wrk } from './lib/wrk.js';

const BODY = JSON.stringify({
  inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
});
const CONNECTIONS = 16;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);

async function measure(server: Running, dir: string): Promise<LoadResult> {
  const url = `${server.url}/api/models/iris/predict`;
  await wrk({ url, body: BODY, connections: CONNECTIONS, seconds: 2, workDir: dir }); // warm-up
  try {
    return await wrk({ url, body: BODY, connections: CONNECTIONS, seconds: seconds(), workDir: dir });
  } finally {
    await server.stop();
  }
}

export async function runTiny(dir: string): Promise<void> {
  print(
    `## 1. Tiny model (iris) — POST /api/models/iris/predict, wrk ${CONNECTIONS} connections, ${seconds()} s\n`,
  );
  const missing = await pythonHas(['fastapi', 'uvicorn', 'sklearn']);
  const baseline = missing ?? (await measure(await startFastApi(dir), dir));
  const bare = await measure(await startBareFastify(dir), dir);
  const server = await startModelGarden(dir);
  // Prediction logging to Postgres on, sampled at 1 % (the demo seeds iris with every request logged).
  await fetch(`${server.url}/api/models/iris/prediction-logging`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, sampleRate: 0.01 }),
  });
  const garden = await measure(server, dir);
  print(
    table([
      ['FastAPI + uvicorn + scikit-learn (course baseline)', baseline],
      ['bare Fastify + onnxruntime-node (naive ceiling)', bare],
      ['Model Garden (validation, request logs, metrics, 1 % prediction log, batching)', garden],
    ]),
  );
  print('');
  if (typeof baseline !== 'string') {
    print(
      `Model Garden / baseline: ${ratio(garden.rps, baseline.rps)} req/s (target ≥ 5×); p99 ${garden.p99.toFixed(2)} ms vs ${baseline.p99.toFixed(2)} ms`,
    );
  } else {
    print(`Baseline skipped: ${baseline}`);
  }
  print(`Model Garden / bare Fastify: ${ratio(garden.rps, bare.rps)} req/s (target ≥ 0.9×)\n`);
}
