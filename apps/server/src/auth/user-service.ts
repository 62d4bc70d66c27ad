/**
 * Users: create, list, update (role, team, disabled), set passwords, check a login, and create the
 * first `admin` on a database without users. Passwords are argon2id hashes; nothing here logs.
 */
import { and, asc, count, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { userSchema } from '../contract/auth-schemas.js';
import { users } from '../db/auth-schema.js';
import type { Db } from '../db/database.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { assertPassword, assertUserName } from './names.js';
import type { Role } from './scopes.js';
import { hashPassword, randomPassword, verifyPassword } from './secrets.js';

/** A user as the API shows it (the contract's schema). */
export type User = z.infer<typeof userSchema>;

export interface NewUser {
  name: string;
  role: Role;
  team?: string | null | undefined;
  /** Generated (and returned once) when absent. */
  password?: string | undefined;
}

export interface UserPatch {
  role?: Role | undefined;
  team?: string | null | undefined;
  disabled?: boolean | undefined;
}

type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    team: row.team,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const userNotFound = (name: string) =>
  new ModelGardenError('USER_NOT_FOUND', `No user named "${name}"`, { details: { name } });

/** Verified against when the user does not exist, so a wrong name takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export class UserService {
  constructor(private readonly db: Db) {}

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(users);
    return row?.n ?? 0;
  }

  async list(): Promise<User[]> {
    return (await this.db.select().from(users).orderBy(asc(users.name))).map(toUser);
  }

  async get(name: string): Promise<User> {
    return toUser(await this.row(name));
  }

  private async row(name: string): Promise<UserRow> {
    const [row] = await this.db.select().from(users).where(eq(users.name, name));
    if (!row) throw userNotFound(name);
    return row;
  }

  async create(input: NewUser): Promise<{ user: User; password?: string }> {
    assertUserName(input.name);
    if (input.team) assertUserName(input.team, 'team');
    const generated = input.password === undefined ? randomPassword() : undefined;
    const password = input.password ?? (generated as string);
    assertPassword(password);
    const passwordHash = await hashPassword(password);
    const [row] = await this.db
      .insert(users)
      .values({ name: input.name, role: input.role, team: input.team ?? null, passwordHash })
      .onConflictDoNothing()
      .returning();
    if (!row)
      throw new ModelGardenError('USER_EXISTS', `A user named "${input.name}" exists`, {
        details: { name: input.name },
      });
    return { user: toUser(row), ...(generated ? { password: generated } : {}) };
  }

  /**
   * Changes a user's role, team or disabled flag. Demoting or disabling an enabled admin is refused
   * (LAST_ADMIN) when no other enabled admin would remain, decided atomically: the transaction locks
   * the enabled admins' rows (FOR UPDATE) before counting, so of two concurrent demotions of the last
   * two admins the second waits, recounts and is refused.
   */
  async update(name: string, patch: UserPatch): Promise<User> {
    if (patch.team) assertUserName(patch.team, 'team');
    const mayLoseAdmin = (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true;
    return this.db.transaction(async (tx) => {
      const admins = mayLoseAdmin
        ? await tx
            .select({ id: users.id })
            .from(users)
            .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
            .orderBy(asc(users.id))
            .for('update')
        : [];
      const [current] = await tx.select().from(users).where(eq(users.name, name)).for('update');
      if (!current) throw userNotFound(name);
      const losesAdmin = mayLoseAdmin && current.role === 'admin' && !current.disabled;
      if (losesAdmin && !admins.some((a) => a.id !== current.id))
        throw new ModelGardenError('LAST_ADMIN', 'The last enabled admin cannot be disabled or demoted');
      const [row] = await tx
        .update(users)
        .set({
          ...(patch.role !== undefined ? { role: patch.role } : {}),
          ...(patch.team !== undefined ? { team: patch.team } : {}),
          ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
          updatedAt: new Date(),
        })
        .where(eq(users.id, current.id))
        .returning();
      return toUser(row ?? current);
    });
  }

  /** Sets a new password (generated and returned when none is given). */
  async setPassword(name: string, password?: string): Promise<{ user: User; password?: string }> {
    const next = password ?? randomPassword();
    assertPassword(next);
    const current = await this.row(name);
    const [row] = await this.db
      .update(users)
      .set({ passwordHash: await hashPassword(next), updatedAt: new Date() })
      .where(eq(users.id, current.id))
      .returning();
    return { user: toUser(row ?? current), ...(password === undefined ? { password: next } : {}) };
  }

  /** The user for a name and password; INVALID_CREDENTIALS for a wrong pair or a disabled user. */
  async authenticate(name: string, password: string): Promise<User> {
    const [row] = await this.db.select().from(users).where(eq(users.name, name));
    dummyHash ??= hashPassword(randomPassword());
    const ok = await verifyPassword(row?.passwordHash ?? (await dummyHash), password);
    if (!row || !ok || row.disabled)
      throw new ModelGardenError('INVALID_CREDENTIALS', 'Wrong user name or password');
    return toUser(row);
  }

  /** Creates `admin` with a random password when there are no users; returns the password then. */
  async ensureInitialAdmin(): Promise<string | undefined> {
    if ((await this.count()) > 0) return undefined;
    try {
      const { password } = await this.create({ name: 'admin', role: 'admin' });
      return password;
    } catch (err) {
      // Another replica created it first.
      if (err instanceof ModelGardenError && err.code === 'USER_EXISTS') return undefined;
      throw err;
    }
  }
}
