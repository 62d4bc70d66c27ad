/**
 * Defaults against hand-picked serving configs against raw onnxruntime, for one model shape, in one
 * server and one run: the model is pushed twice, once left at the defaults (the engine tunes it) and
 * once set to each hand-picked config in turn; the defaults are measured before, between and after
 * the configs (the median run is reported), so a machine that drifts during the run favours neither.
 */
import type { Running } from './processes.js';
import { rawThroughput } from './raw-ort.js';
import { print } from './report.js';
import { pushModel, setServingConfig } from './servers.js';
import { type LoadResult, wrk } from './wrk.js';

export interface ShapeUnderTest {
  /** Model name on the server (the configured copy is `${name}-picked`). */
  name: string;
  title: string;
  modelPath: string;
  metadata: object;
  /** The request, for wrk, against `/v2/models/NAME/infer`. */
  request: { body: string | Buffer; contentType?: string; header?: string; connections: number };
  /** The per-row shape raw onnxruntime runs, and the batch sizes it tries. */
  rowShape: number[];
  rawBatches: number[];
  handPicked: Array<{ label: string; config: object }>;
}

export interface ShapeResult {
  raw: { batch: number; rowsPerSecond: number };
  defaults: LoadResult;
  /** Every measurement of the defaults (before, between and after the hand-picked configs). */
  defaultsRuns: number[];
  picked: Array<{ label: string; result: LoadResult }>;
  best: { label: string; result: LoadResult };
  majorGcPerSecond: number | undefined;
  tuning: string;
}

/** Major GCs the server has counted so far (prom-client's nodejs_gc_duration_seconds). */
async function majorGcs(server: Running): Promise<number | undefined> {
  const res = await fetch(`${server.url}/metrics`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const line = (await res.text())
    .split('\n')
    .find((l) => l.startsWith('nodejs_gc_duration_seconds_count{kind="major"}'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** The tuner's choices for a version, as one line. */
async function tuningOf(server: Running, name: string): Promise<string> {
  const res = await fetch(`${server.url}/api/models/${name}/versions/1/serving-config`);
  const view = (await res.json()) as {
    effective: { executor: string; instances: number; intraOpThreads: number; maxBatchSize: number };
    tuning: { singleRunMs: number | null; shape: number[] | null } | null;
  };
  const e = view.effective;
  return `${e.executor}, ${e.instances} × ${e.intraOpThreads} threads, maxBatchSize ${e.maxBatchSize} (measured one run ${view.tuning?.singleRunMs?.toFixed(2) ?? '?'} ms on [${view.tuning?.shape?.join('×') ?? '?'}])`;
}

/** The run with the median throughput. */
const medianRun = (runs: LoadResult[]): LoadResult =>
  [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;

export async function defaultsVsPicked(
  server: Running,
  shape: ShapeUnderTest,
  seconds: number,
  workDir: string,
): Promise<ShapeResult> {
  const rawResults = await rawThroughput(shape.modelPath, shape.rowShape, shape.rawBatches, 3);
  const raw = rawResults.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  await pushModel(server, shape.name, shape.modelPath, shape.metadata);
  await pushModel(server, `${shape.name}-picked`, shape.modelPath, shape.metadata);
  const run = (name: string, s: number) =>
    wrk({
      url: `${server.url}/v2/models/${name}/infer`,
      body: shape.request.body,
      connections: shape.request.connections,
      contentType: shape.request.contentType ?? 'application/json',
      header: shape.request.header,
      workDir,
      seconds: s,
    });
  // Load it (the engine's load-time sweep runs before traffic), then warm up: the engine measures
  // live batches and may re-decide (a dynamic shape is learnt here).
  const once = await fetch(`${server.url}/v2/models/${shape.name}/infer`, {
    method: 'POST',
    headers: {
      'content-type': shape.request.contentType ?? 'application/json',
      ...(shape.request.header ? Object.fromEntries([shape.request.header.split(':')]) : {}),
    },
    body: shape.request.body,
  });
  if (!once.ok) throw new Error(`${shape.name}: ${once.status} ${await once.text()}`);
  await run(shape.name, 4);
  // The defaults are measured between every two hand-picked configs (D P1 D P2 … D): on a shared
  // machine whose speed drifts, each config then has a defaults run beside it.
  const before = await majorGcs(server);
  const runs: LoadResult[] = [await run(shape.name, seconds)];
  const after = await majorGcs(server);
  const picked: ShapeResult['picked'] = [];
  for (const p of shape.handPicked) {
    await setServingConfig(server, `${shape.name}-picked`, p.config);
    await run(`${shape.name}-picked`, 2);
    picked.push({ label: p.label, result: await run(`${shape.name}-picked`, seconds) });
    runs.push(await run(shape.name, seconds));
  }
  const defaults = medianRun(runs);
  const best = picked.reduce((a, b) => (b.result.rps > a.result.rps ? b : a));
  const majorGcPerSecond =
    before === undefined || after === undefined ? undefined : (after - before) / seconds;
  return {
    raw,
    defaults,
    defaultsRuns: runs.map((r) => r.rps),
    picked,
    best,
    majorGcPerSecond,
    tuning: await tuningOf(server, shape.name),
  };
}

export function report(shape: ShapeUnderTest, r: ShapeResult): void {
  const unit = shape.rowShape.length > 1 ? 'img/s' : 'rows/s';
  const lines = [
    `### ${shape.title}\n`,
    `| Configuration | ${unit} | p50 ms | p99 ms | non-2xx | vs raw limit |`,
    '|---|---:|---:|---:|---:|---:|',
    `| raw onnxruntime, one session, best batch (${r.raw.batch}) | ${r.raw.rowsPerSecond.toFixed(1)} | | | | 1.00 |`,
    `| **defaults**, median of ${r.defaultsRuns.length} runs (${r.defaultsRuns.map((x) => x.toFixed(1)).join(', ')}); tuned: ${r.tuning} | ${r.defaults.rps.toFixed(1)} | ${r.defaults.p50.toFixed(1)} | ${r.defaults.p99.toFixed(1)} | ${r.defaults.non2xx} | ${(r.defaults.rps / r.raw.rowsPerSecond).toFixed(2)} |`,
    ...r.picked.map(
      (p) =>
        `| ${p.label} | ${p.result.rps.toFixed(1)} | ${p.result.p50.toFixed(1)} | ${p.result.p99.toFixed(1)} | ${p.result.non2xx} | ${(p.result.rps / r.raw.rowsPerSecond).toFixed(2)} |`,
    ),
  ];
  print(lines.join('\n'));
  print(
    `\nDefaults / best hand-picked (${r.best.label}): ${(r.defaults.rps / r.best.result.rps).toFixed(2)} (target ≥ 0.95); defaults / raw limit: ${(r.defaults.rps / r.raw.rowsPerSecond).toFixed(2)}${r.majorGcPerSecond === undefined ? '' : `; major GCs under the defaults' load: ${r.majorGcPerSecond.toFixed(2)}/s`}\n`,
  );
}
