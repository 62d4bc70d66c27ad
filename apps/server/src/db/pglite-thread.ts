/**
 * The worker thread that owns the embedded PGlite database. PGlite runs PostgreSQL as synchronous
 * WebAssembly: on the event loop's thread every statement stalls the server for as long as it runs
 * (a 10,000-row insert ~110 ms, a scan of a large table seconds). Here it stalls only this thread.
 * Queries, `exec` and transactions arrive as messages (pglite-protocol.ts); PGlite's own mutexes keep
 * a transaction exclusive, so other statements wait for its end as they would in-process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction, types } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { errorData, type PgliteReply, type PgliteRequest, type PgliteThreadData } from './pglite-protocol.js';

const port = parentPort!;
const data = workerData as PgliteThreadData;
const send = (reply: PgliteReply) => port.postMessage(reply);

const text = (value: string) => value;
/** What drizzle-orm/pglite passes with every query: date, time and interval types left as text. */
const RAW_DATES = {
  [types.TIMESTAMP]: text,
  [types.TIMESTAMPTZ]: text,
  [types.INTERVAL]: text,
  [types.DATE]: text,
  1231: text, // numeric[]
  1115: text, // timestamp[]
  1185: text, // timestamptz[]
  1187: text, // interval[]
  1182: text, // date[]
};

interface OpenTransaction {
  tx: Transaction;
  end(commit: boolean): void;
  /** Settles once COMMIT or ROLLBACK has run. */
  done: Promise<void>;
}

/** Thrown inside PGlite's transaction callback to have it roll back. */
const ROLLBACK = Symbol('rollback');

/**
 * PostgreSQL's shared buffers at 32 MB instead of PGlite's 128 MB: the embedded database is small
 * (the registry, logs), its files sit in the OS page cache anyway, and the touched buffers were
 * ~110 MB of the server's resident memory (305 → 195 MB for the database alone).
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

async function open(): Promise<PGlite> {
  // pgvector for the knowledge bases' embeddings (retrieval/vector-index.ts); `create extension`
  // happens only where embeddings are configured.
  const pg = new PGlite(data.dataDir ?? undefined, { startParams: START_PARAMS, extensions: { vector } });
  await pg.waitReady;
  if (data.migrationsFolder) await migrate(drizzle(pg), { migrationsFolder: data.migrationsFolder });
  return pg;
}

function serve(pg: PGlite): void {
  const open = new Map<number, OpenTransaction>();
  const target = (tx: number) => (tx === 0 ? pg : open.get(tx)?.tx);

  const begin = (id: number) => {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => {
      started = resolve;
    });
    let end!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => {
      end = resolve;
    });
    const done = pg
      .transaction(async (tx) => {
        open.set(id, { tx, end, done });
        started();
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((err) => {
        if (err !== ROLLBACK) throw err;
      })
      .finally(() => open.delete(id));
    // BEGIN itself failing rejects `done` before the callback ran.
    return Promise.race([ready, done]);
  };

  const handle = async (m: PgliteRequest): Promise<PgliteReply> => {
    switch (m.op) {
      case 'query': {
        const on = target(m.tx);
        if (!on) throw new Error(`transaction ${m.tx} is not open`);
        const r = await on.query(m.sql, m.params, {
          rowMode: m.rowMode,
          ...(m.rawDates ? { parsers: RAW_DATES } : {}),
        });
        return {
          id: m.id,
          ok: true,
          result: { rows: r.rows, affectedRows: r.affectedRows, fields: r.fields },
        };
      }
      case 'exec': {
        const on = target(m.tx);
        if (!on) throw new Error(`transaction ${m.tx} is not open`);
        const rs = await on.exec(m.sql);
        return {
          id: m.id,
          ok: true,
          result: rs.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows, fields: r.fields })),
        };
      }
      case 'copy': {
        const on = target(m.tx);
        if (!on) throw new Error(`transaction ${m.tx} is not open`);
        const r = await on.query(m.sql, [], { blob: new Blob([m.data]) });
        return { id: m.id, ok: true, result: { rows: [], affectedRows: r.affectedRows, fields: [] } };
      }
      case 'begin':
        await begin(m.id);
        return { id: m.id, ok: true };
      case 'end': {
        const t = open.get(m.tx);
        if (!t) throw new Error(`transaction ${m.tx} is not open`);
        t.end(m.commit);
        await t.done;
        return { id: m.id, ok: true };
      }
      case 'close':
        await pg.close();
        return { id: m.id, ok: true };
    }
  };

  port.on('message', (m: PgliteRequest) => {
    handle(m).then(send, (err) => send({ id: m.id, ok: false, error: errorData(err) }));
  });
}

open().then(
  async (pg) => {
    if (data.initOnly) {
      await pg.close();
      send({ type: 'ready' });
      return;
    }
    serve(pg);
    send({ type: 'ready' });
  },
  (err) => send({ type: 'failed', error: errorData(err) }),
);
