/**
 * The one place SQL text is written outside drizzle's sql`` template (security/sql-usage.test.ts
 * allows `sql.raw` here alone): literals that cannot be bound as parameters — a type's modifier
 * (`vector(384)`), a partial index's predicate in DDL, and the same predicate in a query, which the
 * planner matches to the index only when it reads the literal — each value checked against its
 * type's exact shape first; and constant `$n` statements, whose text the type system keeps constant.
 */
import { type SQL, sql } from 'drizzle-orm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `'…'` for a lower-case canonical uuid; anything else throws. */
export function uuidLiteral(value: string): SQL {
  if (!UUID.test(value)) throw new Error(`Not a uuid: ${JSON.stringify(value.slice(0, 40))}`);
  return sql.raw(`'${value}'`);
}

/** A non-negative integer written into the statement; anything else throws. */
export function integerLiteral(value: number): SQL {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Not a non-negative integer: ${value}`);
  return sql.raw(String(value));
}

/**
 * A constant statement with `$n` parameters as a drizzle query (its values bound as parameters), for
 * a statement that is also sent to a PostgreSQL server as a named prepared statement. `text` must be
 * a string literal's type (a `const` without substitutions): no value can reach the statement's text.
 */
export function numberedStatement<T extends string>(
  text: string extends T ? never : T,
  values: unknown[],
): SQL {
  const parts = (text as string).split(/\$(\d+)/);
  return sql.join(parts.map((p, i) => (i % 2 === 0 ? sql.raw(p) : sql`${values[Number(p) - 1]}`)));
}
