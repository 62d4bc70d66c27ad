/**
 * Web sessions in Postgres: a random token in an httpOnly cookie (stored as sha256), a CSRF token the
 * page sends back in a header, and a fixed lifetime. Expired rows are deleted as they are met and by prune().
 */
import { eq, lt } from 'drizzle-orm';
import { sessions, users } from '../db/auth-schema.js';
import type { Db } from '../db/database.js';
import type { Principal } from './principal.js';
import { ROLE_SCOPES, type Role } from './scopes.js';
import { randomToken, sha256 } from './secrets.js';

export interface SessionLookup {
  principal: Principal & { kind: 'user' };
  csrfToken: string;
  expiresAt: Date;
}

export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a session; the token goes into the cookie and is never stored as is. */
  async create(userId: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomToken(32);
    const csrfToken = randomToken(24);
    const expiresAt = new Date(this.now() + this.ttlMs);
    await this.db.insert(sessions).values({ id: sha256(token), userId, csrfToken, expiresAt });
    return { token, csrfToken, expiresAt };
  }

  async lookup(token: string): Promise<SessionLookup | null> {
    const id = sha256(token);
    const [row] = await this.db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, id));
    if (!row) return null;
    if (row.session.expiresAt.getTime() <= this.now()) {
      await this.db.delete(sessions).where(eq(sessions.id, id));
      return null;
    }
    if (row.user.disabled) return null;
    const role = row.user.role as Role;
    return {
      principal: {
        kind: 'user',
        userId: row.user.id,
        name: row.user.name,
        role,
        team: row.user.team,
        scopes: [...ROLE_SCOPES[role]],
        via: 'session',
      },
      csrfToken: row.session.csrfToken,
      expiresAt: row.session.expiresAt,
    };
  }

  async destroy(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.id, sha256(token)));
  }

  /** Ends every session of a user (disabled, or password changed). */
  async destroyForUser(userId: number): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.userId, userId));
  }

  async prune(): Promise<void> {
    await this.db.delete(sessions).where(lt(sessions.expiresAt, new Date(this.now())));
  }
}
