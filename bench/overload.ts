/**
 * Benchmark 4: overload. Measures the MLP's sustainable rate (closed loop, wrk), its unloaded p99
 * (open loop at 10 % of it), then offers 3× the sustainable rate for 30 s (open loop, own process)
 * and checks: the server stays up, memory stays bounded, excess gets 429 quickly, and admitted
 * requests keep a p99 within 3× the unloaded one.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { benchModel, MLP_INFER_BODY, REPO } from './lib/models.js';
import { print } from './lib/report.js';
import { pushModel, setServingConfig, startModelGarden } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const run = promisify(execFile);
const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');
const EXECUTOR = process.env.BENCH_OVERLOAD_EXECUTOR === 'inline' ? 'inline' : 'worker';

interface Latency {
  count: number;
  p50: number;
  p99: number;
}

interface OpenLoop {
  offeredRps: number;
  sent: number;
  failed: number;
  statuses: Record<string, Latency>;
  admitted: Latency;
}

async function openLoop(url: string, bodyFile: string, rate: number, seconds: number): Promise<OpenLoop> {
  const { stdout } = await run(
    TSX,
    [path.join(REPO, 'bench', 'lib', 'open-loop.ts'), url, bodyFile, String(rate), String(seconds)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** p99 and max of the server's event-loop delay since the last metrics collection, from /metrics. */
async function eventLoopLag(base: string): Promise<string> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const ms = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text);
    return m ? `${(Number(m[1]) * 1000).toFixed(1)} ms` : '?';
  };
  return `${ms('nodejs_eventloop_lag_p99_seconds')} / ${ms('nodejs_eventloop_lag_max_seconds')}`;
}

/** Cumulative bucket counts of the server's own latency histogram for 2xx answers of one route. */
async function serverBuckets(base: string, route: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<number, number>();
  const re = /^http_server_request_duration_seconds_bucket\{le="([^"]+)",([^}]*)\} ([0-9.e+-]+)$/gm;
  for (const m of text.matchAll(re)) {
    if (!m[2]!.includes(`http_route="${route}"`) || !m[2]!.includes('http_response_status_class="2xx"'))
      continue;
    out.set(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[3]));
  }
  return out;
}

/** The p99 bucket bound (ms) of the answers counted between two readings: "≤ X ms". */
function p99Between(before: Map<number, number>, after: Map<number, number>): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return 'n/a';
  for (const b of bounds) {
    const n = (after.get(b) ?? 0) - (before.get(b) ?? 0);
    if (n >= 0.99 * total) return Number.isFinite(b) ? `≤ ${b * 1000} ms` : '> 10 s';
  }
  return 'n/a';
}

export async function runOverload(dir: string): Promise<void> {
  const seconds = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 30);
  print(
    `## 4. Overload — wide MLP (maxBatchSize 1, maxQueue 64, executor ${EXECUTOR}), OIP infer, 3× the sustainable rate for ${seconds} s per admission setting (open loop)\n`,
  );
  const model = await benchModel('mlp');
  if ('skip' in model) {
    print(`Skipped: ${model.skip}\n`);
    return;
  }
  const server = await startModelGarden(dir);
  try {
    await pushModel(server, 'mlp', model.path, { task: 'tensor' });
    // Batching off: 3× the batched rate is beyond what an open-loop generator can offer from one
    // core of a small machine, so the overload is offered to the unbatched engine.
    // The executor for a compute-heavy model: a worker thread (BENCH_OVERLOAD_EXECUTOR=inline to compare),
    // so the event loop keeps reading and refusing requests while onnxruntime computes.
    const base = { maxBatchSize: 1, maxQueue: 64, intraOpThreads: 1, executor: EXECUTOR };
    await setServingConfig(server, 'mlp', base);
    const body = MLP_INFER_BODY;
    const bodyFile = path.join(dir, 'mlp-body.json');
    await writeFile(bodyFile, body);
    const url = `${server.url}/v2/models/mlp/infer`;
    await wrk({ url, body, connections: 64, seconds: 2, workDir: dir });
    const closed = await wrk({ url, body, connections: 64, seconds: 5, workDir: dir });
    // What the server sustains is its rate of answers (200s); with the default admission none of
    // these 64 closed-loop clients should be refused, but a 429 would be no measure of capacity.
    const sustainable = { ...closed, rps: closed.rps * (1 - closed.non2xx / Math.max(1, closed.requests)) };
    const rssBefore = await server.rssMb();
    const unloaded = await openLoop(url, bodyFile, Math.round(sustainable.rps / 10), 5);
    const unloadedP99 = unloaded.statuses['200']?.p99 ?? Number.NaN;
    print(
      `Sustainable (wrk, 64 connections): ${sustainable.rps.toFixed(0)} answers/s (${closed.non2xx} of ${closed.requests} responses were 429), p99 ${closed.p99.toFixed(2)} ms`,
    );
    print(
      `Unloaded (open loop, ${unloaded.offeredRps.toFixed(0)} req/s): p50 ${unloaded.statuses['200']?.p50.toFixed(2)} ms, p99 ${unloadedP99.toFixed(2)} ms\n`,
    );
    print(
      '| Admission | Offered req/s | 200 | 504 / other | admitted (non-429) p50 / p99 ms | 429 | 429 p50 / p99 ms | socket errors | RSS before → peak MB | up after | admitted p99 / unloaded p99 |',
    );
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    // A: the queue bound alone. B: the model's deadline set to the latency objective (3× the unloaded
    // p99): the scheduler refuses at once what its queue cannot reach in time (load shedding).
    const deadlineMs = Math.max(1, Math.ceil(3 * unloadedP99));
    // C: a queue target (CoDel-style): under sustained overload only what starts within 5 ms is admitted.
    const phases: Array<[string, object]> = [
      ['maxQueue 64, deadline 30 s (defaults)', {}],
      [`maxQueue 64, deadline ${deadlineMs} ms (3× unloaded p99)`, { timeoutMs: deadlineMs }],
      ['maxQueue 64, queueTargetMs 5', { queueTargetMs: 5 }],
    ];
    const lags: string[] = [];
    // The server's own view of the admitted requests (arrival in Node to the answer written): tells
    // what the engine kept bounded apart from the time a request waits to be read on a busy machine.
    const serverP99: string[] = [];
    for (const [label, extra] of phases) {
      await setServingConfig(server, 'mlp', { ...base, ...extra });
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        server.rssMb().then(
          (mb) => {
            rssPeak = Math.max(rssPeak, mb);
          },
          () => {},
        );
      }, 500);
      // The server's own event-loop delay near the end of the phase (prom-client's default metric,
      // reset at each collection): tells server lag apart from the generator's and the OS's.
      const lagRead = new Promise<string>((resolve) =>
        setTimeout(
          () => {
            eventLoopLag(server.url).then(resolve, () => resolve('n/a'));
          },
          Math.max(1, seconds - 2) * 1000,
        ),
      );
      const route = '/v2/models/:name/infer';
      const bucketsBefore = await serverBuckets(server.url, route);
      const overload = await openLoop(url, bodyFile, Math.round(sustainable.rps * 3), seconds);
      clearInterval(sampler);
      serverP99.push(`${label}: ${p99Between(bucketsBefore, await serverBuckets(server.url, route))}`);
      lags.push(`${label}: ${await lagRead}`);
      const alive = (await fetch(`${server.url}/health/live`)).ok;
      const ok = overload.statuses['200'];
      const rejected = overload.statuses['429'];
      const timedOut = overload.statuses['504']?.count ?? 0;
      const others = Object.entries(overload.statuses)
        .filter(([k]) => k !== '200' && k !== '429' && k !== '504')
        .reduce((n, [, v]) => n + v.count, 0);
      const a = overload.admitted;
      print(
        `| ${label} | ${overload.offeredRps.toFixed(0)} (target ${(sustainable.rps * 3).toFixed(0)}) | ${ok?.count ?? 0} | ${timedOut} / ${others} | ${a.p50.toFixed(2)} / ${a.p99.toFixed(2)} | ${rejected?.count ?? 0} | ${rejected?.p50.toFixed(2) ?? '-'} / ${rejected?.p99.toFixed(2) ?? '-'} | ${overload.failed} | ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} | ${alive ? 'yes' : 'NO'} | ${(a.p99 / unloadedP99).toFixed(2)}× (target ≤ 3×) |`,
      );
    }
    print(`\nServer event-loop delay near the end of each phase (p99 / max): ${lags.join('; ')}`);
    print(
      `Admitted (200) p99 as the server measured it (its latency histogram's bucket): ${serverP99.join('; ')}\n`,
    );
  } finally {
    await server.stop();
  }
}
