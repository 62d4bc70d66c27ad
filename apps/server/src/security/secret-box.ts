/**
 * Secrets at rest (LLM provider credentials an admin gives through the API): AES-256-GCM with a
 * random 12-byte IV per value, the 16-byte auth tag, and the id of the key that sealed it, so keys
 * can rotate (`MODELGARDEN_SECRET_KEY`, with old keys in `MODELGARDEN_SECRET_KEY_PREVIOUS`).
 * A value is bound to what it belongs to (`context`, e.g. `llm-provider:openai2`, as additional
 * authenticated data): copied onto another row it no longer opens. No error message quotes a value.
 *
 * @example
 * const box = new SecretBox(parseSecretKey(hex, 'MODELGARDEN_SECRET_KEY'));
 * const sealed = box.seal('sk-…', 'llm-provider:openai2'); // "mgs1.<key id>.<iv>.<tag>.<ciphertext>"
 * box.open(sealed, 'llm-provider:openai2'); // 'sk-…'
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FORMAT = 'mgs1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Why a sealed value did not open (or could not be sealed). */
export type SecretBoxFailure =
  /** No key is configured at all. */
  | 'no-key'
  /** Sealed under a key that is neither the current one nor a previous one. */
  | 'unknown-key'
  /** The auth tag does not match: the value, its IV or its context was changed, or the key is wrong. */
  | 'tampered'
  /** Not a sealed value. */
  | 'malformed';

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(
    readonly failure: SecretBoxFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A 32-byte key from its text: 64 hex digits, or base64/base64url of 32 bytes. `variable` names the
 * setting in the error.
 */
export function parseSecretKey(value: string, variable: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text)) {
    const bytes = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  throw new Error(
    `Invalid configuration: ${variable}: must be 32 random bytes as 64 hex digits or base64 (make one with \`openssl rand -base64 32\`)`,
  );
}

/** A key's public id: 8 hex digits of a hash of it (names the key; reveals nothing of it). */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update('modelgarden-secret-key-id\0').update(key).digest('hex').slice(0, 8);
}

export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** The id of the key new values are sealed with; undefined without a key. */
  readonly keyId: string | undefined;

  constructor(current: Buffer | undefined, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (!key) continue;
      if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes`);
      const id = secretKeyId(key);
      if (!this.keys.has(id)) this.keys.set(id, key);
    }
    this.keyId = current ? secretKeyId(current) : undefined;
  }

  /** Whether values can be sealed (a current key is configured). */
  get canSeal(): boolean {
    return this.keyId !== undefined;
  }

  seal(plaintext: string, context: string): string {
    if (!this.keyId) throw new SecretBoxError('no-key', 'no secret key is configured');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return [FORMAT, this.keyId, ...parts].join('.');
  }

  /** The id of the key a sealed value names (undefined when it is not a sealed value). */
  static keyIdOf(sealed: string): string | undefined {
    const parts = sealed.split('.');
    return parts.length === 5 && parts[0] === FORMAT ? parts[1] : undefined;
  }

  /** Sealed under a key other than the current one (open it and seal it again to rotate). */
  needsRotation(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) !== this.keyId;
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT)
      throw new SecretBoxError('malformed', 'the stored value is not a sealed secret');
    const [, id, ivText, tagText, bodyText] = parts as [string, string, string, string, string];
    if (this.keys.size === 0) throw new SecretBoxError('no-key', 'no secret key is configured');
    const key = this.keys.get(id);
    if (!key)
      throw new SecretBoxError(
        'unknown-key',
        `sealed with key ${id}, which is neither the current key${this.keyId ? ` (${this.keyId})` : ''} nor a previous one`,
      );
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new SecretBoxError('malformed', 'the stored value is not a sealed secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('tampered', `the value sealed with key ${id} fails its integrity check`);
    }
  }
}
