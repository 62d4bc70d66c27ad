/**
 * Random secrets and their hashes: API keys (`mg_` + 32 random bytes, stored as sha256 — fast and safe
 * for high-entropy keys), session and CSRF tokens, and argon2id for people's passwords.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

export const KEY_PREFIX_LENGTH = 10;

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `mg_${randomToken(32)}`;
  return { key, prefix: key.slice(0, KEY_PREFIX_LENGTH), hash: sha256(key) };
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Compares two strings without leaking where they differ through timing. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false;
  }
}

/** A password for generated accounts: 24 characters from 18 random bytes. */
export function randomPassword(): string {
  return randomToken(18);
}
