import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { integerLiteral, numberedStatement, uuidLiteral } from './sql-literals.js';

const dialect = new PgDialect();

describe('SQL literals', () => {
  it('writes a uuid and an integer into the statement', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(dialect.sqlToQuery(uuidLiteral(id))).toEqual({ sql: `'${id}'`, params: [] });
    expect(dialect.sqlToQuery(integerLiteral(384))).toEqual({ sql: '384', params: [] });
  });

  it('refuses anything that is not exactly one', () => {
    for (const bad of [
      "x' or '1'='1",
      '0F8FAD5B-D9CB-469F-A165-70867728950E',
      '',
      "0f8fad5b-d9cb-469f-a165-70867728950e'",
    ])
      expect(() => uuidLiteral(bad)).toThrow(/Not a uuid/);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      expect(() => integerLiteral(bad)).toThrow(/Not a non-negative integer/);
  });

  it("binds a constant numbered statement's values as parameters", () => {
    const text = 'select $1::int + $2::int where $1::int > 0';
    expect(dialect.sqlToQuery(numberedStatement(text, [1, 2]))).toMatchObject({
      sql: 'select $1::int + $2::int where $3::int > 0',
      params: [1, 2, 1],
    });
    // @ts-expect-error: a statement's text must be a constant, never a string built at run time
    numberedStatement(String(text), []);
  });
});
