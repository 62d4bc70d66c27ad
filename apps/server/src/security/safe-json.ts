/**
 * JSON parsing for anything a client sends: nesting depth and keys per object are bounded before the
 * text is parsed, `__proto__` / `constructor.prototype` keys are refused (secure-json-parse), and
 * error messages never quote the input (V8's do, which would echo secrets back).
 */
import secureJson from 'secure-json-parse';
import { ModelGardenError } from '../errors/model-garden-error.js';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most keys in any one object. */
  maxKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxKeys: 10_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

function tooComplex(message: string, limit: 'depth' | 'keys', max: number): ModelGardenError {
  return new ModelGardenError('JSON_TOO_COMPLEX', message, { details: { limit, max } });
}

/** One pass over the text (strings skipped) counting depth and keys per open object. */
export function assertJsonWithinLimits(text: string, limits: JsonLimits, what = 'The body'): void {
  const keys: number[] = []; // per open container; -1 marks an array
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      keys.push(c === OPEN_OBJECT ? 0 : -1);
      if (keys.length > limits.maxDepth) {
        throw tooComplex(`${what} nests deeper than ${limits.maxDepth} levels`, 'depth', limits.maxDepth);
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) keys.pop();
    else if (c === COLON && keys.length > 0) {
      const n = (keys[keys.length - 1] as number) + 1;
      keys[keys.length - 1] = n;
      if (n > limits.maxKeys) {
        throw tooComplex(
          `${what} has an object with more than ${limits.maxKeys} keys`,
          'keys',
          limits.maxKeys,
        );
      }
    }
  }
}

/**
 * True when no valid JSON text this short can pass the limits, so the scan can be skipped: nesting
 * d levels takes 2d brackets, and an object of k keys at least 5k + 1 characters (`{"":0,…}`).
 * Invalid text of this length is refused by the parser at a cost bounded by its length.
 */
function withinLimitsByLength(text: string, limits: JsonLimits): boolean {
  return text.length < 2 * (limits.maxDepth + 1) && text.length < 5 * (limits.maxKeys + 1) + 1;
}

/** V8 quotes the text around a syntax error; keep only the part before the quote. */
function describeSyntaxError(err: Error): string {
  const [reason = ''] = err.message.split(/,? (?:\.\.\.)?"/, 1);
  return reason.slice(0, 120);
}

/**
 * Parses client JSON within `limits`; MALFORMED_JSON for bad syntax or prototype keys,
 * JSON_TOO_COMPLEX past the limits.
 * @example parseClientJson('{"a":1}', { maxDepth: 64, maxKeys: 10_000 }) // { a: 1 }
 */
export function parseClientJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS, what = 'The body') {
  if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === ''))
    throw new ModelGardenError('MALFORMED_JSON', `${what} is empty but should be JSON`);
  if (!withinLimitsByLength(text, limits)) assertJsonWithinLimits(text, limits, what);
  try {
    return secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' }) as unknown;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const forbidden = /forbidden prototype property/i.test(error.message);
    throw new ModelGardenError(
      'MALFORMED_JSON',
      forbidden
        ? `${what} holds a forbidden __proto__ or constructor.prototype key`
        : `${what} is not valid JSON: ${describeSyntaxError(error)}`,
    );
  }
}
