/**
 * `npx tsx bench/prediction-log-write.ts`: PGlite's CPU time per prediction-log row written, on an
 * in-process PGlite with the server's migrations (no worker thread, so process.cpuUsage() is the
 * database's own time plus the statement's hand-over). Compared: the binary COPY the server writes
 * (observability/prediction-log.ts's encoding, `COPY … FROM '/dev/blob'`), the INSERT of a JSON array
 * through `jsonb_to_recordset` it replaced (into a copy of the table with the jsonb columns it had),
 * and the same COPY into a copy of the table without indexes (what the two indexes cost). Payloads
 * are built before the clock starts; each figure is the median over BENCH_ROUNDS (default 5) rounds
 * of 30 batches of 1,000 iris-like rows. CPU time, unlike wall time, stays meaningful while other
 * processes load the machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_DIR } from '../apps/server/src/db/database.js';
import {
  COPY_TARGET,
  copyPayload,
  type PredictionLogEntry,
} from '../apps/server/src/observability/prediction-log.js';
import { median, print } from './lib/report.js';

const ROWS = 1_000;
const BATCHES = 30;
const COLUMNS =
  'model, version, request_id, protocol, created_at, latency_ms, features, image_stats, output, label';

const entry = (i: number): PredictionLogEntry => ({
  model: 'iris',
  version: 1,
  requestId: `req-${i.toString(36)}-0123456789`,
  protocol: 'predict',
  latencyMs: 0.42 + i / 1e6,
  features: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  imageStats: null,
  output: { label: 'setosa', probability: 0.98 },
  label: 'setosa',
});

/** The previous write: one JSON array, expanded by the database. */
const jsonArray = (entries: PredictionLogEntry[], now: number) =>
  JSON.stringify(
    entries.map((e) => ({
      model: e.model,
      version: e.version,
      request_id: e.requestId,
      protocol: e.protocol,
      created_ms: now,
      latency_ms: e.latencyMs,
      features: e.features,
      image_stats: e.imageStats,
      output: e.output,
      label: e.label,
    })),
  );
const jsonInsert = (table: string) => `insert into ${table} (${COLUMNS})
  select model, version, request_id, protocol, to_timestamp(created_ms / 1000.0), latency_ms, features,
    image_stats, output, label
  from jsonb_to_recordset($1::jsonb) as x(model text, version integer, request_id text, protocol text,
    created_ms float8, latency_ms real, features jsonb, image_stats jsonb, output jsonb, label text)`;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-logwrite-'));
  const pg = new PGlite(dir, { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'] });
  try {
    await migrate(drizzle(pg), { migrationsFolder: MIGRATIONS_DIR });
    await pg.exec(`
      create table logs_jsonb (like prediction_logs including defaults including indexes);
      alter table logs_jsonb alter column features type jsonb, alter column image_stats type jsonb,
        alter column output type jsonb;
      create table logs_unindexed (like prediction_logs including defaults);`);
    const copyInto = (target: string) => (data: Uint8Array) =>
      pg.query(`copy ${target} from '/dev/blob' with (format binary)`, [], { blob: new Blob([data]) });
    const cases = [
      {
        name: 'binary COPY (the server’s write)',
        build: (e: PredictionLogEntry[]) => copyPayload(e),
        write: copyInto(COPY_TARGET),
      },
      {
        name: 'INSERT … jsonb_to_recordset, jsonb columns (before)',
        build: (e: PredictionLogEntry[]) => jsonArray(e, Date.now()),
        write: (json: string) => pg.query(jsonInsert('logs_jsonb'), [json]),
      },
      {
        name: 'binary COPY, table without indexes',
        build: (e: PredictionLogEntry[]) => copyPayload(e),
        write: copyInto(COPY_TARGET.replace('prediction_logs', 'logs_unindexed')),
      },
    ] as const;
    const results = new Map<string, number[]>();
    const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
    let next = 0;
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        const payloads = Array.from({ length: BATCHES }, () =>
          c.build(Array.from({ length: ROWS }, () => entry(next++))),
        );
        const write = c.write as (p: unknown) => Promise<unknown>;
        await write(c.build([entry(next++)])); // warm
        const before = process.cpuUsage();
        for (const p of payloads) await write(p);
        const used = process.cpuUsage(before);
        results.set(c.name, [...(results.get(c.name) ?? []), (used.user + used.system) / (ROWS * BATCHES)]);
      }
    }
    print(
      `## Prediction log write path: PGlite CPU per row (in-process, ${rounds} rounds, load ${os.loadavg()[0]!.toFixed(1)})\n`,
    );
    print('| Write | CPU µs/row (median) | min |');
    print('|---|---:|---:|');
    for (const [name, v] of results)
      print(`| ${name} | ${median(v).toFixed(1)} | ${Math.min(...v).toFixed(1)} |`);
    print('');
  } finally {
    await pg.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
