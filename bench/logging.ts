/**
 * `npm run bench -- logging`: the prediction log's cost. Iris friendly predictions under wrk
 * (16 connections) with logging off, at the demo's sample rate and at sample rate 1, in interleaved
 * rounds on one server per database: the embedded one, and a PostgreSQL server when
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set (a fresh database, dropped afterwards). Printed
 * per setting: throughput, latency, the server's CPU time per request (its database thread
 * included; a PostgreSQL server's own CPU is not: it is another process), which on a loaded machine
 * is a steadier measure of the log's cost than throughput, the server's event-loop delay during the run (prom-client's
 * nodejs_eventloop_lag_*, reset by every scrape; its 10 ms resolution is part of each value), how
 * long the request thread waited for a core (run-queue time from /proc/<pid>/schedstat: what other
 * threads, the database's included, took from it) and its minor GCs, both per request answered,
 * rows dropped, and rows logged against requests answered (sample rate 1 should log every one).
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { DEMO_SAMPLE_RATE } from '../apps/server/src/observability/seed-observability.js';
import { IRIS_PREDICT_BODY } from './lib/models.js';
import { cpuTimeMs, type Running } from './lib/processes.js';
import { median, print } from './lib/report.js';
import { startModelGarden } from './lib/servers.js';
import { type LoadResult, wrk } from './lib/wrk.js';

const CONNECTIONS = 16;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 6);
const rounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

interface Setting {
  name: string;
  enabled: boolean;
  sampleRate: number;
}

interface Round {
  load: LoadResult;
  /** The server process's CPU time per answered request (µs), its database thread included. */
  cpuUsPerRequest: number;
  /** The request thread's time runnable but waiting for a core, µs per answered request. */
  waitUsPerRequest: number;
  /** Minor (scavenge) GCs per 1,000 answered requests. */
  minorGcsPer1k: number;
  loopP99Ms: number;
  loopMaxMs: number;
  dropped: number;
  logged: number;
}

/** CPU time (user + system) of a process in ms, every thread. */
async function cpuMs(pid: number): Promise<number> {
  const { user, system } = await cpuTimeMs(pid);
  return user + system;
}

/** The main (request) thread's time spent waiting on a run queue in ms (schedstat's second field, ns). */
async function waitMs(pid: number): Promise<number> {
  const schedstat = await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
  return Number(schedstat.split(' ')[1]) / 1e6;
}

async function metricsOf(server: Running): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m =
      /^(nodejs_eventloop_lag_p99_seconds|nodejs_eventloop_lag_max_seconds|modelgarden_prediction_log_dropped_total|nodejs_gc_duration_seconds_count\{kind="minor"\})\s+(\S+)/.exec(
        line,
      );
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The newest logged row's id (ids are consecutive): rows written so far. */
async function lastLoggedId(server: Running): Promise<number> {
  const res = await fetch(`${server.url}/api/models/iris/predictions?limit=1`);
  const body = (await res.json()) as { items: Array<{ id: number }> };
  return body.items[0]?.id ?? 0;
}

async function apply(server: Running, s: Setting): Promise<void> {
  const res = await fetch(`${server.url}/api/models/iris/prediction-logging`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: s.enabled, sampleRate: s.sampleRate }),
  });
  if (!res.ok) throw new Error(`prediction-logging: ${res.status} ${await res.text()}`);
}

async function measure(server: Running, s: Setting, dir: string, secs: number): Promise<Round> {
  await apply(server, s);
  const before = await metricsOf(server);
  const firstId = await lastLoggedId(server);
  const cpu0 = await cpuMs(server.proc.pid!);
  const wait0 = await waitMs(server.proc.pid!);
  const load = await wrk({
    url: `${server.url}/api/models/iris/predict`,
    body: IRIS_PREDICT_BODY,
    connections: CONNECTIONS,
    seconds: secs,
    workDir: dir,
  });
  const cpu = (await cpuMs(server.proc.pid!)) - cpu0;
  const wait = (await waitMs(server.proc.pid!)) - wait0;
  const after = await metricsOf(server);
  await new Promise((r) => setTimeout(r, 500)); // the last flush (every 100 ms)
  const logged = (await lastLoggedId(server)) - firstId;
  const drop = 'modelgarden_prediction_log_dropped_total';
  const minor = 'nodejs_gc_duration_seconds_count{kind="minor"}';
  const answered = Math.max(1, load.requests - load.non2xx);
  return {
    load,
    cpuUsPerRequest: (cpu * 1000) / answered,
    waitUsPerRequest: (wait * 1000) / answered,
    minorGcsPer1k: (((after[minor] ?? 0) - (before[minor] ?? 0)) * 1000) / answered,
    loopP99Ms: (after.nodejs_eventloop_lag_p99_seconds ?? 0) * 1000,
    loopMaxMs: (after.nodejs_eventloop_lag_max_seconds ?? 0) * 1000,
    dropped: (after[drop] ?? 0) - (before[drop] ?? 0),
    logged,
  };
}

async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mg_bench_logging_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function runLogging(dir: string): Promise<void> {
  const secs = seconds();
  const ROUNDS = rounds();
  const settings: Setting[] = [
    { name: 'off', enabled: false, sampleRate: 1 },
    { name: `demo (${DEMO_SAMPLE_RATE})`, enabled: true, sampleRate: DEMO_SAMPLE_RATE },
    { name: 'sample rate 1', enabled: true, sampleRate: 1 },
  ];
  print(
    `## Prediction logging — iris predict, wrk ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${secs} s per setting\n`,
  );
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const databases: Array<{ name: string; url?: string }> = [{ name: 'embedded (PGlite worker)' }];
  if (serverUrl) databases.push({ name: 'PostgreSQL server', url: serverUrl });
  else print('PostgreSQL server skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL).\n');
  print(
    '| Database | Logging | req/s | vs off | p50 ms | p99 ms | p99 vs off | server CPU µs/request | vs off | request thread waiting for a core µs/request | minor GCs / 1k requests | loop p99 ms | loop max ms | dropped | logged / answered |',
  );
  print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const db of databases) {
    const fresh = db.url ? await freshDatabase(db.url) : null;
    const server = await startModelGarden(dir, fresh ? { databaseUrl: fresh.url } : {});
    const results = new Map<string, Round[]>(settings.map((s) => [s.name, []]));
    try {
      await measure(server, settings[0]!, dir, 2); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? settings : [...settings].reverse();
        for (const s of order) results.get(s.name)!.push(await measure(server, s, dir, secs));
      }
    } finally {
      await server.stop();
      await fresh?.drop();
    }
    const off = results.get('off')!;
    const offRps = median(off.map((r) => r.load.rps));
    const offP99 = median(off.map((r) => r.load.p99));
    const offCpu = median(off.map((r) => r.cpuUsPerRequest));
    for (const s of settings) {
      const rs = results.get(s.name)!;
      const rps = median(rs.map((r) => r.load.rps));
      const p99 = median(rs.map((r) => r.load.p99));
      const cpu = median(rs.map((r) => r.cpuUsPerRequest));
      const answered = rs.reduce((n, r) => n + r.load.requests - r.load.non2xx, 0);
      const logged = rs.reduce((n, r) => n + r.logged, 0);
      print(
        `| ${db.name} | ${s.name} | ${rps.toFixed(0)} | ${(rps / offRps).toFixed(2)}× | ${median(rs.map((r) => r.load.p50)).toFixed(2)} | ${p99.toFixed(2)} | ${(p99 / offP99).toFixed(2)}× | ${cpu.toFixed(1)} | ${(cpu / offCpu).toFixed(2)}× | ${median(rs.map((r) => r.waitUsPerRequest)).toFixed(1)} | ${median(rs.map((r) => r.minorGcsPer1k)).toFixed(2)} | ${median(rs.map((r) => r.loopP99Ms)).toFixed(1)} | ${Math.max(...rs.map((r) => r.loopMaxMs)).toFixed(1)} | ${rs.reduce((n, r) => n + r.dropped, 0)} | ${s.enabled ? `${logged} / ${answered}` : '–'} |`,
      );
    }
  }
  print('');
}
