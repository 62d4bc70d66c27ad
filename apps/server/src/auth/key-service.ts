/**
 * API keys: created per user with scopes and an optional expiry, shown once, stored as sha256, listed
 * by prefix, revocable. Looking a key up is cached for a few seconds; usage (count, last use) is
 * buffered in memory and written by flush(), never once per request.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { apiKeySchema } from '../contract/auth-schemas.js';
import { apiKeys, users } from '../db/auth-schema.js';
import type { Db } from '../db/database.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { Principal } from './principal.js';
import { effectiveKeyScopes, grants, ROLE_SCOPES, type Role, type Scope } from './scopes.js';
import { newApiKey, sha256 } from './secrets.js';

/** A key as the API shows it (the contract's schema); the key itself is never stored. */
export type ApiKeyInfo = z.infer<typeof apiKeySchema>;

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  expiresAt?: Date | null | undefined;
}

/** Why a presented key was refused; the HTTP layer answers 401 either way. */
export type KeyLookup =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'disabled' };

const CACHE_MS = 5_000;

export class KeyService {
  private readonly cache = new Map<string, { at: number; row: KeyRow | null }>();
  private usage = new Map<number, { count: number; last: Date }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userName: string, input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
    const [owner] = await this.db.select().from(users).where(eq(users.name, userName));
    if (!owner) throw new ModelGardenError('USER_NOT_FOUND', `No user named "${userName}"`);
    const allowed = ROLE_SCOPES[owner.role as Role];
    const refused = input.scopes.filter((s) => !grants(allowed, s));
    if (refused.length > 0 || input.scopes.length === 0)
      throw new ModelGardenError(
        'INVALID_SCOPE',
        `A ${owner.role} cannot hold scopes: ${refused.join(', ') || '(none given)'}`,
        {
          details: { refused, allowed },
        },
      );
    if (input.expiresAt && input.expiresAt.getTime() <= this.now())
      throw new ModelGardenError('INVALID_SCOPE', 'The expiry is in the past');
    const { key, prefix, hash } = newApiKey();
    const [row] = await this.db
      .insert(apiKeys)
      .values({
        userId: owner.id,
        name: input.name,
        prefix,
        hash,
        scopes: input.scopes,
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    return { key, info: toInfo({ key: row!, user: owner.name }) };
  }

  async list(userName?: string): Promise<ApiKeyInfo[]> {
    await this.flush();
    const rows = await this.db
      .select({ key: apiKeys, user: users.name })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(userName ? eq(users.name, userName) : undefined)
      .orderBy(desc(apiKeys.id));
    return rows.map(toInfo);
  }

  async get(id: number): Promise<ApiKeyInfo> {
    const [row] = await this.db
      .select({ key: apiKeys, user: users.name })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.id, id));
    if (!row) throw new ModelGardenError('API_KEY_NOT_FOUND', `No API key ${id}`, { details: { id } });
    return toInfo(row);
  }

  /** Revokes a key (idempotent); `owner` limits it to that user's keys. */
  async revoke(id: number, owner?: string): Promise<ApiKeyInfo> {
    const info = await this.get(id);
    if (owner !== undefined && info.user !== owner)
      throw new ModelGardenError('API_KEY_NOT_FOUND', `No API key ${id}`, { details: { id } });
    await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, id));
    this.cache.clear();
    return this.get(id);
  }

  /** Resolves a presented key to its principal (counting the use), or says why it is refused. */
  async authenticate(key: string): Promise<KeyLookup> {
    const hash = sha256(key);
    const now = this.now();
    let cached = this.cache.get(hash);
    if (!cached || now - cached.at > CACHE_MS) {
      cached = { at: now, row: await this.lookup(hash) };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, cached);
    }
    const row = cached.row;
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (row.expiresAt && row.expiresAt.getTime() <= now) return { ok: false, reason: 'expired' };
    if (row.disabled) return { ok: false, reason: 'disabled' };
    const used = this.usage.get(row.id);
    if (used) {
      used.count++;
      used.last = new Date(now);
    } else this.usage.set(row.id, { count: 1, last: new Date(now) });
    return {
      ok: true,
      principal: {
        kind: 'user',
        userId: row.userId,
        name: row.userName,
        role: row.role,
        team: row.team,
        scopes: effectiveKeyScopes(row.scopes, row.role),
        via: 'key',
        keyId: row.id,
        keyPrefix: row.prefix,
      },
    };
  }

  private async lookup(hash: string): Promise<KeyRow | null> {
    const [row] = await this.db
      .select({
        id: apiKeys.id,
        prefix: apiKeys.prefix,
        scopes: apiKeys.scopes,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
        userId: users.id,
        userName: users.name,
        role: users.role,
        team: users.team,
        disabled: users.disabled,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(and(eq(apiKeys.hash, hash)));
    return row ? { ...row, role: row.role as Role } : null;
  }

  /** Drops cached lookups (after a user is disabled or changes role). */
  forget(): void {
    this.cache.clear();
  }

  /** Writes the buffered usage: one update per key used since the last flush. */
  async flush(): Promise<void> {
    if (this.usage.size === 0) return;
    const pending = this.usage;
    this.usage = new Map();
    for (const [id, u] of pending) {
      await this.db
        .update(apiKeys)
        .set({ requestCount: sql`${apiKeys.requestCount} + ${u.count}`, lastUsedAt: u.last })
        .where(eq(apiKeys.id, id));
    }
  }
}

interface KeyRow {
  id: number;
  prefix: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  userId: number;
  userName: string;
  role: Role;
  team: string | null;
  disabled: boolean;
}

function toInfo({ key, user }: { key: typeof apiKeys.$inferSelect; user: string }): ApiKeyInfo {
  return {
    id: key.id,
    user,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes as Scope[],
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    requestCount: key.requestCount,
    createdAt: key.createdAt.toISOString(),
  };
}
