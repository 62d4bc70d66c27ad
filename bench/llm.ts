/**
 * `npm run bench -- llm`: the LLM gateway against the same upstream called directly, side by side
 * in one run, with every gateway feature on (API-key auth, per-key limits and budgets reserved on
 * every call, usage recording, metrics, request logs).
 *  1. Near-zero upstream (`instant`), concurrency 1, non-streamed: added latency p50 / p99. Direct
 *     and gateway requests alternate one by one, so drift and other load hit both alike; the run is
 *     cut into BENCH_ROUNDS rounds to show the spread.
 *  2. An upstream that streams like an LLM (first chunk after 200 ms, then one every 20 ms, 50 in
 *     all) at 256 concurrent streams, in BENCH_ROUNDS interleaved rounds per side (d g g d d g …).
 *     The streams start spread over one stream's length and each is followed at once by the next,
 *     so 256 are always open (steady state, as independent callers give); a round counts the chunks
 *     delivered in its window after that ramp: chunks/s (gateway ÷ direct), time to first token
 *     p50 / p99 and the added p99, every stream checked for lost or reordered chunks.
 *  3. The same 256 streams all started at the same instant (a burst), once per side: TTFT only.
 * The machine's load average is printed with each phase: client, upstream and gateway share it.
 * BENCH_SECONDS sets each round's length (default 10); BENCH_ROUNDS (3); BENCH_STREAMS the
 * concurrency (256); BENCH_PROFILE=1 writes a CPU profile of the gateway into the work dir;
 * BENCH_DATABASE_URL (a PostgreSQL server) and BENCH_REDIS_URL (limits in Redis) change its backends.
 *
 * `npm run bench -- llm-soak`: 256 streams through the gateway without a pause for BENCH_SECONDS
 * (default 600); the gateway's RSS and V8 heap sampled every 10 s, and their slope.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type Dispatcher, Pool } from 'undici';
import { REPO } from './lib/models.js';
import { cpuTimeMs, type Running, startProcess } from './lib/processes.js';
import { median, print } from './lib/report.js';

const NODE_TS = [process.execPath, '--import', 'tsx'] as const;
const seconds = (fallback = 10) => Number(process.env.BENCH_SECONDS ?? fallback);
const rounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const streams = () => Number(process.env.BENCH_STREAMS ?? 256);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 50);
const FIRST_MS = Number(process.env.BENCH_FIRST_MS ?? 200);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 20);
/** How long one stream lasts at the upstream. */
const STREAM_MS = FIRST_MS + (CHUNKS - 1) * GAP_MS;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startUpstream(dir: string, port: number): Promise<Running> {
  return startProcess(
    NODE_TS[0],
    [...NODE_TS.slice(1), path.join(REPO, 'bench', 'servers', 'fake-openai.ts'), String(port)],
    `http://127.0.0.1:${port}`,
    '/health',
    path.join(dir, `upstream-${port}.log`),
  );
}

async function startGateway(dir: string, port: number, upstream: string, adminKey: string): Promise<Running> {
  return startProcess(
    NODE_TS[0],
    [
      // BENCH_PROFILE=1: a CPU profile of the gateway in the work dir.
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
      // BENCH_GATEWAY_NODE_FLAGS: V8/Node flags for the gateway alone (e.g. --max-semi-space-size=32).
      ...(process.env.BENCH_GATEWAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...NODE_TS.slice(1),
      path.join(REPO, 'bench', 'servers', 'llm-gateway.ts'),
      String(port),
      path.join(dir, `data-${port}`),
    ],
    `http://127.0.0.1:${port}`,
    '/health/ready',
    path.join(dir, `gateway-${port}.log`),
    {
      UPSTREAM_URL: upstream,
      BENCH_ADMIN_KEY: adminKey,
      BENCH_STATS_PORT: String(port + STATS_PORT_OFFSET),
      ...(process.env.BENCH_DATABASE_URL ? { BENCH_DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
    },
  );
}

/** The gateway's bench-only stats listener (bench/servers/llm-gateway.ts) is on its port + this. */
const STATS_PORT_OFFSET = 1000;

/** What the gateway process did since the last call: event-loop delay, GC, bytes allocated. */
interface ProcessStats {
  seconds: number;
  allocatedBytes: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  gc: {
    scavenges: number;
    scavengeMs: number;
    scavengeMaxMs: number;
    majors: number;
    majorMs: number;
    majorMaxMs: number;
  };
}

async function processStats(gateway: Running): Promise<ProcessStats> {
  const port = Number(new URL(gateway.url).port) + STATS_PORT_OFFSET;
  return (await fetch(`http://127.0.0.1:${port}/`)).json() as Promise<ProcessStats>;
}

/** One line of process stats per `per` (requests or chunks). */
function statsLine(s: ProcessStats, per: number, unit: string): string {
  return (
    `${(s.allocatedBytes / per / 1024).toFixed(2)} KB allocated per ${unit}; ` +
    `${(s.gc.scavenges / s.seconds).toFixed(1)} scavenges/s (mean ${(s.gc.scavengeMs / Math.max(1, s.gc.scavenges)).toFixed(2)} ms, max ${s.gc.scavengeMaxMs.toFixed(1)} ms), ` +
    `${s.gc.majors} major GCs (max ${s.gc.majorMaxMs.toFixed(1)} ms); ` +
    `event-loop delay p50 ${s.loopDelayMs.p50.toFixed(1)} / p99 ${s.loopDelayMs.p99.toFixed(1)} / max ${s.loopDelayMs.max.toFixed(1)} ms`
  );
}

/** A member's API key with chat scope and limits high enough never to refuse, so every check runs. */
async function benchKey(gateway: string, adminKey: string): Promise<string> {
  const call = async (method: string, p: string, body: unknown) => {
    const res = await fetch(`${gateway}${p}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  await call('POST', '/api/users', {
    name: 'bench',
    role: 'member',
    password: randomBytes(16).toString('hex'),
  });
  const key = await call('POST', '/api/keys', { name: 'bench', scopes: ['chat'], user: 'bench' });
  await call('PUT', `/api/llm/keys/${key.id}`, {
    allowedModels: ['openai/*'],
    requestsPerMinute: 10_000_000,
    tokensPerMinute: 1_000_000_000_000,
    tokensPerDay: 1_000_000_000_000,
    tokensPerMonth: 1_000_000_000_000,
    storeContent: false,
  });
  // Wait for the catalog's first listing of the upstream.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${key.key}` } });
    if (((await res.json()) as { data: unknown[] }).data.length > 0) break;
    await sleep(100);
  }
  return key.key as string;
}

interface Target {
  name: string;
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  model: (m: string) => string;
}

function target(name: string, url: string, key: string, prefix: string): Target {
  return {
    name,
    pool: new Pool(url, { connections: streams() + 8, pipelining: 1 }),
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    model: (m) => prefix + m,
  };
}

async function once(t: Target, model: string): Promise<number> {
  const body = JSON.stringify({
    model: t.model(model),
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 16,
  });
  const start = performance.now();
  const res = await t.pool.request({ method: 'POST', path: t.path, headers: t.headers, body });
  await res.body.text();
  const ms = performance.now() - start;
  if (res.statusCode !== 200) throw new Error(`${t.name}: ${res.statusCode}`);
  return ms;
}

/** Phase 1: direct and gateway requests alternating, one at a time; per round and pooled. */
async function latency(direct: Target, gateway: Target) {
  for (let i = 0; i < 500; i++) {
    await once(direct, 'instant');
    await once(gateway, 'instant');
  }
  const perRound: Array<{ d: number[]; g: number[]; load: string }> = [];
  for (let r = 0; r < rounds(); r++) {
    const d: number[] = [];
    const g: number[] = [];
    const until = performance.now() + (seconds() * 1000) / rounds();
    while (performance.now() < until) {
      d.push(await once(direct, 'instant'));
      g.push(await once(gateway, 'instant'));
    }
    perRound.push({ d, g, load: load() });
  }
  return perRound;
}

/** What one round of streams delivered. */
interface StreamStats {
  /** Chunks that arrived inside the window. */
  chunks: number;
  streams: number;
  /** Time to first token of the streams that started inside the window. */
  ttft: number[];
  lost: number;
  reordered: number;
  errors: number;
  windowS: number;
}

const newStats = (windowS: number): StreamStats => ({
  chunks: 0,
  streams: 0,
  ttft: [],
  lost: 0,
  reordered: 0,
  errors: 0,
  windowS,
});

/** The index in a content delta `"content":"<i>,"` (the upstream numbers its chunks). */
const CONTENT = /"content":"(\d+),"/;

/** One stream, read to the end; chunks and TTFT count when they fall in [from, to). */
async function oneStream(t: Target, stats: StreamStats, from: number, to: number): Promise<void> {
  const body = JSON.stringify({
    model: t.model('streaming'),
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 64,
  });
  const start = performance.now();
  let res: Dispatcher.ResponseData;
  try {
    res = await t.pool.request({ method: 'POST', path: t.path, headers: t.headers, body });
  } catch {
    stats.errors++;
    return;
  }
  if (res.statusCode !== 200) {
    stats.errors++;
    await res.body.text();
    return;
  }
  const counted = start >= from && start < to;
  let buffer = '';
  let next = 0;
  let first = true;
  let done = false;
  for await (const data of res.body) {
    buffer += (data as Buffer).toString('utf8');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (event === 'data: [DONE]') done = true;
      const m = CONTENT.exec(event);
      if (!m) continue;
      const now = performance.now();
      if (first) {
        if (counted) stats.ttft.push(now - start);
        first = false;
      }
      const i = Number(m[1]);
      if (i !== next) stats.reordered++;
      next = i + 1;
      if (now >= from && now < to) stats.chunks++;
    }
  }
  stats.lost += Math.max(0, CHUNKS - next);
  if (!done) stats.errors++;
  stats.streams++;
}

/**
 * Phase 2: `streams()` callers, each starting its next stream as soon as the last one ends, their
 * first starts spread over one stream's length; measured for `windowS` after that ramp. New streams
 * stop at the window's end and the round waits for the open ones (each is still checked).
 */
async function steadyStreams(t: Target, windowS: number): Promise<StreamStats> {
  const stats = newStats(windowS);
  const n = streams();
  const start = performance.now();
  const from = start + STREAM_MS;
  const to = from + windowS * 1000;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep((i * STREAM_MS) / n);
      while (performance.now() < to) await oneStream(t, stats, from, to);
    }),
  );
  return stats;
}

/** Phase 3: every stream started at the same instant, once: TTFT under a burst. */
async function burstStreams(t: Target): Promise<StreamStats> {
  const stats = newStats(0);
  await Promise.all(
    Array.from({ length: streams() }, () => oneStream(t, stats, 0, Number.POSITIVE_INFINITY)),
  );
  return stats;
}

const fmt = (x: number, digits = 3) => x.toFixed(digits);

export async function runLlm(dir: string): Promise<void> {
  print('## LLM gateway: direct to the upstream vs through Model Garden\n');
  // Client, upstream and gateway share the machine: a busy machine starves the gateway first.
  print(`Load average (1 / 5 / 15 min) at start: ${load()} on ${os.cpus().length} CPUs\n`);
  const adminKey = randomBytes(24).toString('hex');
  const upstream = await startUpstream(dir, 18_400);
  const gatewayProc = await startGateway(dir, 18_401, upstream.url, adminKey);
  try {
    const key = await benchKey(gatewayProc.url, adminKey);
    const direct = target('direct', upstream.url, 'sk-bench', '');
    const gateway = target('gateway', gatewayProc.url, key, 'openai/');

    const cpu0 = await cpuTimeMs(gatewayProc.proc.pid!);
    await processStats(gatewayProc);
    const perRound = await latency(direct, gateway);
    const latencyStats = await processStats(gatewayProc);
    const cpu1 = await cpuTimeMs(gatewayProc.proc.pid!);
    const cpuLatency = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
    const kernelLatency = cpu1.system - cpu0.system;
    const d = perRound.flatMap((r) => r.d);
    const g = perRound.flatMap((r) => r.g);
    print(
      `### 1. Near-zero upstream, concurrency 1, non-streamed (${seconds()} s in ${rounds()} rounds, requests alternating)\n`,
    );
    print(
      '| Round | requests per side | direct p50 / p99 ms | gateway p50 / p99 ms | added p50 / p99 ms | load |',
    );
    print('|---|---:|---:|---:|---:|---|');
    const latencyRow = (name: string, dr: number[], gr: number[], l: string) =>
      `| ${name} | ${dr.length} | ${fmt(quantile(dr, 0.5))} / ${fmt(quantile(dr, 0.99))} | ${fmt(quantile(gr, 0.5))} / ${fmt(quantile(gr, 0.99))} | ${fmt(quantile(gr, 0.5) - quantile(dr, 0.5))} / ${fmt(quantile(gr, 0.99) - quantile(dr, 0.99))} | ${l} |`;
    perRound.forEach((r, i) => {
      print(latencyRow(String(i + 1), r.d, r.g, r.load));
    });
    print(latencyRow('**all**', d, g, load()));
    print(
      `\nAdded latency: p50 ${fmt(quantile(g, 0.5) - quantile(d, 0.5))} ms, p99 ${fmt(quantile(g, 0.99) - quantile(d, 0.99))} ms ` +
        `(median of rounds: p50 ${fmt(median(perRound.map((r) => quantile(r.g, 0.5) - quantile(r.d, 0.5))))}, p99 ${fmt(median(perRound.map((r) => quantile(r.g, 0.99) - quantile(r.d, 0.99))))}); ` +
        `gateway CPU ${fmt(cpuLatency / (g.length + 500))} ms per request (every thread), ${fmt(kernelLatency / (g.length + 500))} of it in the kernel\n`,
    );
    print(`Gateway process, phase 1: ${statsLine(latencyStats, g.length + 500, 'request')}\n`);

    print(
      `### 2. Streaming upstream (first chunk ${FIRST_MS} ms, then every ${GAP_MS} ms, ${CHUNKS} chunks), ${streams()} concurrent streams, ${rounds()} rounds of ${seconds()} s per side\n`,
    );
    print(
      '| Round | Path | streams | chunks/s | TTFT p50 ms | TTFT p99 ms | lost | reordered | errors | load |',
    );
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
    const srow = (round: string, name: string, s: StreamStats, l: string) =>
      `| ${round} | ${name} | ${s.streams} | ${s.windowS > 0 ? (s.chunks / s.windowS).toFixed(0) : '–'} | ${quantile(s.ttft, 0.5).toFixed(1)} | ${quantile(s.ttft, 0.99).toFixed(1)} | ${s.lost} | ${s.reordered} | ${s.errors} | ${l} |`;
    const ds: StreamStats[] = [];
    const gs: StreamStats[] = [];
    let cpuStreams = 0;
    let kernelStreams = 0;
    const streamStats: ProcessStats[] = [];
    for (let r = 0; r < rounds(); r++) {
      const order = r % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const);
      for (const side of order) {
        const c0 = await cpuTimeMs(gatewayProc.proc.pid!);
        await processStats(gatewayProc);
        const s = await steadyStreams(side === 'direct' ? direct : gateway, seconds());
        const ps = await processStats(gatewayProc);
        const c1 = await cpuTimeMs(gatewayProc.proc.pid!);
        if (side === 'gateway') {
          streamStats.push(ps);
          cpuStreams += c1.user + c1.system - c0.user - c0.system;
          kernelStreams += c1.system - c0.system;
        }
        (side === 'direct' ? ds : gs).push(s);
        print(srow(String(r + 1), side, s, load()));
      }
    }
    const sum = (xs: StreamStats[]) => ({
      ...newStats(xs.reduce((a, s) => a + s.windowS, 0)),
      chunks: xs.reduce((a, s) => a + s.chunks, 0),
      streams: xs.reduce((a, s) => a + s.streams, 0),
      ttft: xs.flatMap((s) => s.ttft),
      lost: xs.reduce((a, s) => a + s.lost, 0),
      reordered: xs.reduce((a, s) => a + s.reordered, 0),
      errors: xs.reduce((a, s) => a + s.errors, 0),
    });
    const dAll = sum(ds);
    const gAll = sum(gs);
    print(srow('**all**', 'direct', dAll, ''));
    print(srow('**all**', 'gateway', gAll, ''));
    const ratios = gs.map((s, i) => s.chunks / s.windowS / (ds[i]!.chunks / ds[i]!.windowS));
    const gChunksAll = gs.reduce((a, s) => a + s.streams, 0) * CHUNKS;
    print(
      `\nChunks/s gateway ÷ direct: ${fmt(gAll.chunks / dAll.chunks)}× (rounds: ${ratios.map((x) => fmt(x)).join(', ')}); ` +
        `added TTFT p50 ${(quantile(gAll.ttft, 0.5) - quantile(dAll.ttft, 0.5)).toFixed(1)} ms, p99 ${(quantile(gAll.ttft, 0.99) - quantile(dAll.ttft, 0.99)).toFixed(1)} ms; ` +
        `lost ${gAll.lost}, reordered ${gAll.reordered}, errors ${gAll.errors}; gateway RSS ${(await gatewayProc.rssMb()).toFixed(0)} MB; ` +
        `gateway CPU ${((cpuStreams / gChunksAll) * 1000).toFixed(1)} µs per chunk, ${((kernelStreams / gChunksAll) * 1000).toFixed(1)} of them in the kernel (${(cpuStreams / 1000 / (gAll.windowS + rounds() * 2 * (STREAM_MS / 1000))).toFixed(2)} cores)\n`,
    );

    const allStats: ProcessStats = {
      seconds: streamStats.reduce((a, x) => a + x.seconds, 0),
      allocatedBytes: streamStats.reduce((a, x) => a + x.allocatedBytes, 0),
      // The worst round's: percentiles do not add up.
      loopDelayMs: {
        p50: Math.max(...streamStats.map((x) => x.loopDelayMs.p50)),
        p99: Math.max(...streamStats.map((x) => x.loopDelayMs.p99)),
        max: Math.max(...streamStats.map((x) => x.loopDelayMs.max)),
      },
      gc: {
        scavenges: streamStats.reduce((a, x) => a + x.gc.scavenges, 0),
        scavengeMs: streamStats.reduce((a, x) => a + x.gc.scavengeMs, 0),
        scavengeMaxMs: Math.max(...streamStats.map((x) => x.gc.scavengeMaxMs)),
        majors: streamStats.reduce((a, x) => a + x.gc.majors, 0),
        majorMs: streamStats.reduce((a, x) => a + x.gc.majorMs, 0),
        majorMaxMs: Math.max(...streamStats.map((x) => x.gc.majorMaxMs)),
      },
    };
    print(
      `Gateway process, phase 2 (its rounds, the worst round's delay percentiles): ${statsLine(allStats, gChunksAll, 'chunk')}\n`,
    );

    print(`### 3. Burst: ${streams()} streams started at the same instant (once per side)\n`);
    print('| Path | streams | TTFT p50 ms | TTFT p99 ms | lost | reordered | errors | load |');
    print('|---|---:|---:|---:|---:|---:|---:|---|');
    const db = await burstStreams(direct);
    const gb = await burstStreams(gateway);
    const brow = (name: string, s: StreamStats) =>
      `| ${name} | ${s.streams} | ${quantile(s.ttft, 0.5).toFixed(1)} | ${quantile(s.ttft, 0.99).toFixed(1)} | ${s.lost} | ${s.reordered} | ${s.errors} | ${load()} |`;
    print(brow('direct', db));
    print(brow('gateway', gb));
    print(
      `\nAdded TTFT under the burst: p50 ${(quantile(gb.ttft, 0.5) - quantile(db.ttft, 0.5)).toFixed(1)} ms, p99 ${(quantile(gb.ttft, 0.99) - quantile(db.ttft, 0.99)).toFixed(1)} ms\n`,
    );
    await direct.pool.close();
    await gateway.pool.close();
  } finally {
    await gatewayProc.stop();
    await upstream.stop();
  }
}

/** `nodejs_heap_size_used_bytes` and `…_total_bytes` from the gateway's /metrics, in MB. */
async function heapMb(gateway: string, adminKey: string): Promise<{ used: number; total: number }> {
  const text = await (
    await fetch(`${gateway}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })
  ).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    used: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    total: value('nodejs_heap_size_total_bytes') / 2 ** 20,
  };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** `npm run bench -- llm-soak`: memory of the gateway under 256 streams without a pause. */
export async function runLlmSoak(dir: string): Promise<void> {
  const total = seconds(600);
  print(`## LLM gateway soak: ${streams()} streams for ${total} s, memory every 10 s\n`);
  print(`Load average (1 / 5 / 15 min) at start: ${load()} on ${os.cpus().length} CPUs\n`);
  const adminKey = randomBytes(24).toString('hex');
  const upstream = await startUpstream(dir, 18_410);
  const gatewayProc = await startGateway(dir, 18_411, upstream.url, adminKey);
  try {
    const key = await benchKey(gatewayProc.url, adminKey);
    const gateway = target('gateway', gatewayProc.url, key, 'openai/');
    const stats = newStats(total);
    const started = performance.now();
    const to = started + total * 1000;
    const load$ = Promise.all(
      Array.from({ length: streams() }, async (_, i) => {
        await sleep((i * STREAM_MS) / streams());
        while (performance.now() < to) await oneStream(gateway, stats, started, to);
      }),
    );
    print(
      '| t s | RSS MB | heap used MB | heap total MB | chunks/s | streams | lost | reordered | errors | load |',
    );
    print('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    const t: number[] = [];
    const rss: number[] = [];
    const heap: number[] = [];
    let lastChunks = 0;
    let lastAt = started;
    while (performance.now() < to - 5_000) {
      await sleep(Math.min(10_000, to - performance.now()));
      const now = performance.now();
      const m = await heapMb(gatewayProc.url, adminKey);
      const r = await gatewayProc.rssMb();
      t.push((now - started) / 1000);
      rss.push(r);
      heap.push(m.used);
      print(
        `| ${((now - started) / 1000).toFixed(0)} | ${r.toFixed(0)} | ${m.used.toFixed(1)} | ${m.total.toFixed(1)} | ${((stats.chunks - lastChunks) / ((now - lastAt) / 1000)).toFixed(0)} | ${stats.streams} | ${stats.lost} | ${stats.reordered} | ${stats.errors} | ${load()} |`,
      );
      lastChunks = stats.chunks;
      lastAt = now;
    }
    await load$;
    // The heap saws between major collections, so each minute's lowest sample (just after one)
    // and its mean RSS are what is compared; the first minute is warm-up (JIT, pools, caches).
    const minutes = new Map<number, { heap: number; rss: number[] }>();
    t.forEach((x, i) => {
      const m = Math.floor(x / 60);
      const entry = minutes.get(m) ?? { heap: Number.POSITIVE_INFINITY, rss: [] };
      entry.heap = Math.min(entry.heap, heap[i]!);
      entry.rss.push(rss[i]!);
      minutes.set(m, entry);
    });
    // Whole minutes only (a last one with a sample or two has no trough to show).
    const rows = [...minutes].filter(([m, e]) => (m >= 1 && e.rss.length >= 5) || minutes.size === 1);
    const xs = rows.map(([m]) => m);
    const heapMin = rows.map(([, e]) => e.heap);
    const rssMean = rows.map(([, e]) => e.rss.reduce((a, b) => a + b, 0) / e.rss.length);
    print(
      `\nPer minute (lowest heap used, mean RSS): ${rows.map(([m], i) => `${m}: ${heapMin[i]!.toFixed(0)} / ${rssMean[i]!.toFixed(0)} MB`).join('; ')}`,
    );
    print(
      `\nSlope from minute 1 on: lowest heap ${slope(xs, heapMin).toFixed(2)} MB/min, RSS ${slope(xs, rssMean).toFixed(2)} MB/min ` +
        `(every sample: RSS ${(slope(t, rss) * 60).toFixed(2)}, heap ${(slope(t, heap) * 60).toFixed(2)} MB/min); ` +
        `${stats.streams} streams, lost ${stats.lost}, reordered ${stats.reordered}, errors ${stats.errors}\n`,
    );
    await gateway.pool.close();
  } finally {
    await gatewayProc.stop();
    await upstream.stop();
  }
}
