/**
 * `npm run bench -- llm`: the LLM gateway against the same upstream called directly, side by side
 * in one run, with every gateway feature on (API-key auth, per-key limits and budgets reserved in the
 * database, usage recording, metrics, request logs).
 *  1. Near-zero upstream (`instant`), concurrency 1, non-streamed: added latency p50 / p99, with
 *     direct and gateway requests alternating so drift hits both alike.
 *  2. An upstream that streams like an LLM (first chunk after 200 ms, then one every 20 ms, 50 in
 *     all) at 256 concurrent streams: delivered chunks/s (gateway ÷ direct), time to first token
 *     p50 / p99 and the added p99, and every stream checked for lost or reordered chunks.
 * BENCH_SECONDS sets each phase's length (default 10); BENCH_STREAMS the concurrency (256);
 * BENCH_PROFILE=1 writes a CPU profile of the gateway into the work dir.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { REPO } from './lib/models.js';
import { type Running, startProcess } from './lib/processes.js';
import { print } from './lib/report.js';

const NODE_TS = [process.execPath, '--import', 'tsx'] as const;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);
const streams = () => Number(process.env.BENCH_STREAMS ?? 256);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** CPU time (user + system, every thread) a process has used, in ms, from /proc. */
async function cpuMs(proc: Running): Promise<number> {
  const stat = await readFile(`/proc/${proc.proc.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, at USER_HZ 100
}

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
      ...(process.env.BENCH_DATABASE_URL ? { BENCH_DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
    },
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
    await new Promise((r) => setTimeout(r, 100));
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

async function latency(direct: Target, gateway: Target) {
  for (let i = 0; i < 300; i++) {
    await once(direct, 'instant');
    await once(gateway, 'instant');
  }
  const d: number[] = [];
  const g: number[] = [];
  const until = performance.now() + seconds() * 1000;
  while (performance.now() < until) {
    d.push(await once(direct, 'instant'));
    g.push(await once(gateway, 'instant'));
  }
  return { d, g };
}

interface StreamStats {
  chunks: number;
  streams: number;
  ttft: number[];
  lost: number;
  reordered: number;
  errors: number;
  elapsedS: number;
}

const CONTENT = /"content":"(\d+),"/;

async function oneStream(t: Target, stats: StreamStats, expected: number): Promise<void> {
  const body = JSON.stringify({
    model: t.model('streaming'),
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 64,
  });
  const start = performance.now();
  const res = await t.pool.request({ method: 'POST', path: t.path, headers: t.headers, body });
  if (res.statusCode !== 200) {
    stats.errors++;
    await res.body.text();
    return;
  }
  let buffer = '';
  let next = 0;
  let first = true;
  for await (const data of res.body) {
    buffer += (data as Buffer).toString('utf8');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const m = CONTENT.exec(event);
      if (!m) continue;
      if (first) {
        stats.ttft.push(performance.now() - start);
        first = false;
      }
      const i = Number(m[1]);
      if (i !== next) stats.reordered++;
      next = i + 1;
      stats.chunks++;
    }
  }
  stats.lost += Math.max(0, expected - next);
  stats.streams++;
}

async function streaming(t: Target): Promise<StreamStats> {
  const stats: StreamStats = {
    chunks: 0,
    streams: 0,
    ttft: [],
    lost: 0,
    reordered: 0,
    errors: 0,
    elapsedS: 0,
  };
  const expected = Number(process.env.BENCH_CHUNKS ?? 50);
  const until = performance.now() + seconds() * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: streams() }, async () => {
      while (performance.now() < until) await oneStream(t, stats, expected);
    }),
  );
  stats.elapsedS = (performance.now() - start) / 1000;
  return stats;
}

export async function runLlm(dir: string): Promise<void> {
  print('## LLM gateway: direct to the upstream vs through Model Garden\n');
  // Client, upstream and gateway share the machine: a busy machine starves the gateway first.
  print(
    `Load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${os.cpus().length} CPUs\n`,
  );
  const adminKey = randomBytes(24).toString('hex');
  const upstream = await startUpstream(dir, 18_400);
  const gatewayProc = await startGateway(dir, 18_401, upstream.url, adminKey);
  try {
    const key = await benchKey(gatewayProc.url, adminKey);
    const connections = streams() + 8;
    const direct: Target = {
      name: 'direct',
      pool: new Pool(upstream.url, { connections, pipelining: 1 }),
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      model: (m) => m,
    };
    const gateway: Target = {
      name: 'gateway',
      pool: new Pool(gatewayProc.url, { connections, pipelining: 1 }),
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      model: (m) => `openai/${m}`,
    };
    const cpu0 = await cpuMs(gatewayProc);
    const { d, g } = await latency(direct, gateway);
    const cpuPerRequest = (await cpuMs(gatewayProc)) - cpu0;
    const row = (name: string, xs: number[]) =>
      `| ${name} | ${xs.length} | ${quantile(xs, 0.5).toFixed(3)} | ${quantile(xs, 0.99).toFixed(3)} |`;
    print(`### 1. Near-zero upstream, concurrency 1, non-streamed (${seconds()} s, alternating)\n`);
    print('| Path | requests | p50 ms | p99 ms |\n|---|---:|---:|---:|');
    print(row('direct', d));
    print(row('gateway', g));
    print(
      `\nAdded latency: p50 ${(quantile(g, 0.5) - quantile(d, 0.5)).toFixed(3)} ms, p99 ${(quantile(g, 0.99) - quantile(d, 0.99)).toFixed(3)} ms; ` +
        `gateway CPU ${(cpuPerRequest / (g.length + 300)).toFixed(3)} ms per request\n`,
    );

    print(
      `### 2. Streaming upstream (first chunk ~200 ms, then every ~20 ms), ${streams()} concurrent streams (${seconds()} s each)\n`,
    );
    const ds = await streaming(direct);
    const cpu1 = await cpuMs(gatewayProc);
    const gs = await streaming(gateway);
    const cpuStreams = (await cpuMs(gatewayProc)) - cpu1;
    const srow = (name: string, s: StreamStats) =>
      `| ${name} | ${s.streams} | ${(s.chunks / s.elapsedS).toFixed(0)} | ${quantile(s.ttft, 0.5).toFixed(1)} | ${quantile(s.ttft, 0.99).toFixed(1)} | ${s.lost} | ${s.reordered} | ${s.errors} |`;
    print('| Path | streams | chunks/s | TTFT p50 ms | TTFT p99 ms | lost | reordered | errors |');
    print('|---|---:|---:|---:|---:|---:|---:|---:|');
    print(srow('direct', ds));
    print(srow('gateway', gs));
    print(
      `\nChunks/s gateway ÷ direct: ${(gs.chunks / gs.elapsedS / (ds.chunks / ds.elapsedS)).toFixed(3)}×; added TTFT p99 ${(quantile(gs.ttft, 0.99) - quantile(ds.ttft, 0.99)).toFixed(1)} ms; gateway RSS ${(await gatewayProc.rssMb()).toFixed(0)} MB; ` +
        `gateway CPU ${((cpuStreams / gs.chunks) * 1000).toFixed(1)} µs per chunk (${(cpuStreams / 1000 / gs.elapsedS).toFixed(2)} cores)\n`,
    );
    await direct.pool.close();
    await gateway.pool.close();
  } finally {
    await gatewayProc.stop();
    await upstream.stop();
  }
}
