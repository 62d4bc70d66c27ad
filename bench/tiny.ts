/**
 * Benchmark 1: a tiny model (iris) against the course baseline (FastAPI + uvicorn + scikit-learn)
 * and the ceiling of our stack (bare Fastify + onnxruntime-node), 16 connections each. The three
 * servers run side by side and are measured in interleaved rounds (baseline, bare, Model Garden,
 * then the reverse order, …), so a slow moment of a shared machine falls on all three instead of on
 * whichever ran then, and a machine that speeds up or slows down during a run favours no system;
 * the ratios are the medians of the per-round ratios. BENCH_ROUNDS sets the rounds (default 5).
 */
import { IRIS_PREDICT_BODY, pythonHas } from './lib/models.js';
import type { Running } from './lib/processes.js';
import { median, print, ratio, table } from './lib/report.js';
import { sampleIrisPredictionLog, startBareFastify, startFastApi, startModelGarden } from './lib/servers.js';
import { type LoadResult, wrk } from './lib/wrk.js';

const CONNECTIONS = 16;
const rounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);

/** One system's rounds as one row: total requests over total time, median percentiles. */
function combine(rounds: LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const statuses: Record<string, number> = {};
  for (const r of rounds)
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    rps: sum((r) => r.rps) / rounds.length,
    p50: median(rounds.map((r) => r.p50)),
    p95: median(rounds.map((r) => r.p95)),
    p99: median(rounds.map((r) => r.p99)),
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    statuses,
  };
}

export async function runTiny(dir: string): Promise<void> {
  const ROUNDS = rounds();
  const slice = Math.max(1, Math.round(seconds() / ROUNDS));
  print(
    `## 1. Tiny model (iris) — POST /api/models/iris/predict, wrk ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${slice} s per system (order reversed every other round)\n`,
  );
  const missing = await pythonHas(['fastapi', 'uvicorn', 'sklearn']);
  const systems: Array<{ name: string; server: Running; rounds: LoadResult[] }> = [];
  try {
    if (!missing) systems.push({ name: 'baseline', server: await startFastApi(dir), rounds: [] });
    systems.push({ name: 'bare', server: await startBareFastify(dir), rounds: [] });
    const garden = await startModelGarden(dir);
    systems.push({ name: 'garden', server: garden, rounds: [] });
    await sampleIrisPredictionLog(garden);
    const load = (s: Running, secs: number) =>
      wrk({
        url: `${s.url}/api/models/iris/predict`,
        body: IRIS_PREDICT_BODY,
        connections: CONNECTIONS,
        seconds: secs,
        workDir: dir,
      });
    for (const s of systems) await load(s.server, 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? systems : [...systems].reverse();
      for (const s of order) s.rounds.push(await load(s.server, slice));
    }
  } finally {
    for (const s of systems) await s.server.stop();
  }
  const of = (name: string) => systems.find((s) => s.name === name);
  const bare = of('bare')!;
  const garden = of('garden')!;
  const baseline = of('baseline');
  print(
    table([
      ['FastAPI + uvicorn + scikit-learn (course baseline)', baseline ? combine(baseline.rounds) : missing!],
      ['bare Fastify + onnxruntime-node (naive ceiling)', combine(bare.rounds)],
      [
        'Model Garden (validation, request logs, metrics, 1 % prediction log, batching)',
        combine(garden.rounds),
      ],
    ]),
  );
  print('');
  const perRound = (other: { rounds: LoadResult[] }) =>
    garden.rounds.map((g, i) => g.rps / other.rounds[i]!.rps);
  const show = (xs: number[]) => xs.map((x) => `${x.toFixed(2)}×`).join(', ');
  const g = combine(garden.rounds);
  if (baseline) {
    const rs = perRound(baseline);
    print(
      `Model Garden / baseline: ${median(rs).toFixed(2)}× req/s, median of rounds ${show(rs)} (target ≥ 5×); p99 ${g.p99.toFixed(2)} ms vs ${combine(baseline.rounds).p99.toFixed(2)} ms`,
    );
  } else {
    print(`Baseline skipped: ${missing}`);
  }
  const rb = perRound(bare);
  print(
    `Model Garden / bare Fastify: ${median(rb).toFixed(2)}× req/s, median of rounds ${show(rb)} (target ≥ 0.9×; ${ratio(g.rps, combine(bare.rounds).rps)} on the mean)\n`,
  );
}
