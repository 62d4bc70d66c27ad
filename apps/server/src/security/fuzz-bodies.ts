/**
 * fast-check generators of hostile JSON request bodies for the fuzz suite: wrong types, huge and
 * non-finite numbers, deep nesting, prototype-pollution keys, oversized arrays, unicode tricks, and
 * plain broken text. Bodies are JSON text, so malformed and duplicate-key bodies are possible too.
 */
import fc from 'fast-check';

/** A value that must never come back in an error answer (errors may not echo request values). */
export const CANARY = 'sk-canary-7f3a9c1e5b';

const trickyStrings = fc.constantFrom(
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  'null',
  'true',
  '0x1F',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%2e%2e%2f',
  '\u0000',
  'a\u0000b',
  '\u202eevil',
  'ｉｒｉｓ',
  'іris',
  'e\u0301',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(50),
  '\u200b\u200d\ufeff',
  'production',
  'iris',
  '1',
  '-1',
  CANARY,
  `${CANARY} ${'x'.repeat(70_000)}`,
);

const trickyNumbers = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 1,
  -(2 ** 63),
  Number.MAX_SAFE_INTEGER,
  123456789012,
);

/** Scalars and small structures of every JSON type. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  trickyStrings,
  trickyNumbers,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.array(trickyNumbers, { maxLength: 8 }),
  fc.constant({}),
  fc.constant([]),
);

const pollutionKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString');

/** An object using the endpoint's own field names (so validation gets past the first key) with hostile values. */
function shapedObject(keys: string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), pollutionKeys, fc.string()) : fc.string();
  const value = fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(key, pollutionKeys), leaf, { maxKeys: 6 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.dictionary(fc.string({ maxLength: 12 }), leaf, { maxKeys: 4 }), {
        maxLength: 5,
      }),
    },
  );
  return fc.dictionary(key, value, { maxKeys: 8 });
}

const raw = (s: string) => fc.constant(s);

/** A hostile JSON body (as text) for an endpoint whose body has the given top-level field names. */
export function hostileBody(keys: string[]): fc.Arbitrary<string> {
  const field = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('inputs');
  return fc.oneof(
    { weight: 6, arbitrary: shapedObject(keys).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(field, fc.integer({ min: 2, max: 100_000 }))
        .map(([k, n]) => `{"${k}":${'['.repeat(n)}${']'.repeat(n)}}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          field,
          fc.integer({ min: 10_000, max: 300_000 }),
          fc.constantFrom('1', '1e308', '"a"', 'null', '{}'),
        )
        .map(([k, n, item]) => `{"${k}":[${`${item},`.repeat(n - 1)}${item}]}`),
    },
    {
      weight: 1,
      arbitrary: field.chain((k) =>
        fc.constantFrom(
          `{"__proto__":{"polluted":true},"${k}":1}`,
          `{"${k}":{"__proto__":{"polluted":true}}}`,
          `{"constructor":{"prototype":{"polluted":true}},"${k}":1}`,
          `{"${k}":[{"constructor":{"prototype":{"polluted":true}}}]}`,
          `{"${k}":1,"${k}":"dup"}`,
          `{"${k}":NaN}`,
          `{"${k}":Infinity}`,
          `{"${k}":-1e999}`,
          `{"${k}":1e999}`,
          `{"${k}":"\\ud800"}`,
          `{"${k}":"\\u0000${CANARY}"}`,
          `{"${k}":0x10}`,
          `{"${k}":${CANARY}}`,
          `{"${k}":"${CANARY}"`,
          `{'${k}':1}`,
          `[{"${k}":1}]`,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        raw(''),
        raw('null'),
        raw('0'),
        raw('"str"'),
        raw('[]'),
        raw('{}'),
        raw('\ufeff{}'),
      ),
    },
  );
}
