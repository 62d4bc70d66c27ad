import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecretKey, SecretBox, SecretBoxError, secretKeyId } from './secret-box.js';

const key = randomBytes(32);
const other = randomBytes(32);
const CONTEXT = 'llm-provider:openai2';
const SECRET = 'sk-a-provider-credential-0123456789';

function failureOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretBoxError);
    expect((err as Error).message).not.toContain(SECRET);
    return (err as SecretBoxError).failure;
  }
  throw new Error('expected a SecretBoxError');
}

/** Flips one bit of a base64url part of a sealed value. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('opens what it sealed; the sealed text names the key and holds no plaintext', () => {
    const box = new SecretBox(key);
    const sealed = box.seal(SECRET, CONTEXT);
    expect(sealed).toMatch(/^mgs1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed.split('.')[1]).toBe(secretKeyId(key));
    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(sealed.split('.')[4]!, 'base64url').toString('latin1')).not.toContain('sk-');
    expect(box.open(sealed, CONTEXT)).toBe(SECRET);
    expect(box.open(box.seal('', CONTEXT), CONTEXT)).toBe('');
    expect(box.open(box.seal('ключ ✓', CONTEXT), CONTEXT)).toBe('ключ ✓');
  });

  it('uses a fresh IV for every value', () => {
    const box = new SecretBox(key);
    const a = box.seal(SECRET, CONTEXT);
    const b = box.seal(SECRET, CONTEXT);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(Buffer.from(a.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(a.split('.')[3]!, 'base64url')).toHaveLength(16);
  });

  it('refuses a tampered ciphertext, IV or tag, and another row’s context', () => {
    const box = new SecretBox(key);
    const sealed = box.seal(SECRET, CONTEXT);
    expect(failureOf(() => box.open(flip(sealed, 4), CONTEXT))).toBe('tampered');
    expect(failureOf(() => box.open(flip(sealed, 2), CONTEXT))).toBe('tampered');
    expect(failureOf(() => box.open(flip(sealed, 3), CONTEXT))).toBe('tampered');
    expect(failureOf(() => box.open(sealed, 'llm-provider:other'))).toBe('tampered');
    expect(failureOf(() => box.open('mgs1.zz', CONTEXT))).toBe('malformed');
    expect(failureOf(() => box.open(SECRET, CONTEXT))).toBe('malformed');
  });

  it('names the key a value needs when it has another one, and refuses to seal without one', () => {
    const sealed = new SecretBox(key).seal(SECRET, CONTEXT);
    expect(failureOf(() => new SecretBox(other).open(sealed, CONTEXT))).toBe('unknown-key');
    expect(failureOf(() => new SecretBox(undefined).open(sealed, CONTEXT))).toBe('no-key');
    expect(failureOf(() => new SecretBox(undefined).seal(SECRET, CONTEXT))).toBe('no-key');
    expect(new SecretBox(undefined).canSeal).toBe(false);
  });

  it('rotates: a previous key still opens old values, which then need sealing again', () => {
    const old = new SecretBox(key).seal(SECRET, CONTEXT);
    const rotated = new SecretBox(other, [key]);
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.open(old, CONTEXT)).toBe(SECRET);
    const again = rotated.seal(rotated.open(old, CONTEXT), CONTEXT);
    expect(rotated.needsRotation(again)).toBe(false);
    expect(SecretBox.keyIdOf(again)).toBe(secretKeyId(other));
    expect(new SecretBox(other).open(again, CONTEXT)).toBe(SECRET);
  });
});

describe('parseSecretKey', () => {
  it('reads 64 hex digits, base64 and base64url of 32 bytes', () => {
    expect(parseSecretKey(key.toString('hex'), 'K').equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64'), 'K').equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64url'), 'K').equals(key)).toBe(true);
  });

  it('refuses anything else, naming the variable and not quoting the value', () => {
    for (const bad of [
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      'x'.repeat(64),
    ]) {
      expect(() => parseSecretKey(bad, 'MODELGARDEN_SECRET_KEY')).toThrow(
        /MODELGARDEN_SECRET_KEY: must be 32/,
      );
      try {
        parseSecretKey(bad, 'MODELGARDEN_SECRET_KEY');
      } catch (err) {
        expect((err as Error).message).not.toContain(bad);
      }
    }
  });
});
