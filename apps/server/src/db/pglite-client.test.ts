/**
 * The embedded database's worker thread through drizzle, as the services use it: results, errors
 * with PostgreSQL's fields, transactions that commit or roll back, and statements from outside a
 * transaction that wait for its end instead of landing inside it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: '', inMemory: true });
  await database.db.execute(sql`create table t (x int primary key)`);
});
afterAll(() => database?.close());

const rows = async () =>
  (
    (await database.db.execute(sql`select x from t order by x`)) as unknown as { rows: Array<{ x: number }> }
  ).rows.map((r) => r.x);

describe('the embedded database in its worker thread', () => {
  it('answers with rows and reports errors with their PostgreSQL code', async () => {
    await database.db.execute(sql`insert into t values (1)`);
    expect(await rows()).toEqual([1]);
    const err = await database.db.execute(sql`insert into t values (1)`).catch((e: unknown) => e);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('23505');
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (2)`);
    });
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into t values (3)`);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await rows()).toEqual([1, 2]);
  });

  it('runs a statement from outside an open transaction after it ends, not inside it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const insertedInTx = new Promise<void>((r) => {
      inserted = r;
    });
    const tx = database.db
      .transaction(async (t) => {
        await t.execute(sql`insert into t values (4)`);
        inserted();
        await held;
        throw new Error('roll back');
      })
      .catch(() => {});
    await insertedInTx;
    const outside = database.db.execute(sql`insert into t values (5)`);
    release();
    await tx;
    await outside;
    // Had the outside insert run inside the transaction, the rollback would have taken it too.
    expect(await rows()).toEqual([1, 2, 5]);
  });
});
