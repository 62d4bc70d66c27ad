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

/** A multipart body and the Content-Type it is sent with. */
export interface MultipartBody {
  payload: Buffer;
  contentType: string;
}

const BOUNDARY = 'fuzzboundary7f3a';

/** One part: a file or a field, with (sometimes broken) headers. */
const part = (names: string[]) =>
  fc
    .record({
      name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, fc.string({ maxLength: 12 })),
      filename: fc.option(fc.constantFrom('m.onnx', 'd.png', '../../etc/passwd', '', '\u0000.png'), {
        nil: undefined,
      }),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        fc.constantFrom('{}', '{"labels":[1]}', CANARY, '--', `--${BOUNDARY}`).map((s) => Buffer.from(s)),
      ),
      header: fc.constantFrom(
        '',
        'Content-Type: application/octet-stream\r\n',
        'Content-Type: image/png\r\n',
        `X-Long: ${'x'.repeat(9000)}\r\n`,
        'Content-Transfer-Encoding: base64\r\n',
      ),
      disposition: fc.constantFrom('form-data', 'attachment', 'form-data; name', ''),
    })
    .map(({ name, filename, data, header, disposition }) =>
      Buffer.concat([
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: ${disposition}; name="${name}"` +
            `${filename === undefined ? '' : `; filename="${filename}"`}\r\n${header}\r\n`,
        ),
        data,
        Buffer.from('\r\n'),
      ]),
    );

/**
 * A multipart body for a route whose parts have the given field names, broken in one of the ways a
 * client can break it: cut anywhere, no closing boundary, no boundary (or another one) in the
 * Content-Type, a preamble, an empty body, or a well-formed body.
 */
export function hostileMultipart(names: string[]): fc.Arbitrary<MultipartBody> {
  const good = `multipart/form-data; boundary=${BOUNDARY}`;
  return fc
    .tuple(
      fc.array(part(names), { minLength: 0, maxLength: 4 }),
      fc.constantFrom('whole', 'cut', 'no-end', 'no-boundary', 'other-boundary', 'preamble', 'empty'),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([parts, breakage, at]) => {
      const body = Buffer.concat(parts);
      const end = Buffer.from(`--${BOUNDARY}--\r\n`);
      switch (breakage) {
        case 'cut': {
          const whole = Buffer.concat([body, end]);
          return { payload: whole.subarray(0, Math.floor(whole.length * at)), contentType: good };
        }
        case 'no-end':
          return { payload: body, contentType: good };
        case 'no-boundary':
          return { payload: Buffer.concat([body, end]), contentType: 'multipart/form-data' };
        case 'other-boundary':
          return { payload: Buffer.concat([body, end]), contentType: 'multipart/form-data; boundary=other' };
        case 'preamble':
          return { payload: Buffer.concat([Buffer.from('garbage\r\n'), body, end]), contentType: good };
        case 'empty':
          return { payload: Buffer.alloc(0), contentType: good };
        default:
          return { payload: Buffer.concat([body, end]), contentType: good };
      }
    });
}
