// User administration (admins) and changing one's own password.

import type { NewUser, User, UserPatch, UserWithPassword } from '@modelgarden/sdk';
import { call } from './client';

export const usersApi = {
  list: (): Promise<User[]> => call((c) => c.listUsers()),

  /** Without a password the server generates one and returns it this once. */
  create: (input: NewUser): Promise<UserWithPassword> => call((c) => c.createUser(input)),

  /** Role, team or disabled; 409 LAST_ADMIN when it would leave no admin. */
  update: (name: string, patch: UserPatch): Promise<User> => call((c) => c.updateUser(name, patch)),

  /** Without a password the server generates one and returns it this once; the user's sessions end. */
  resetPassword: (name: string, password?: string): Promise<UserWithPassword> =>
    call((c) => c.resetPassword(name, password || undefined)),

  /** Changes the signed-in user's password; every session of theirs ends, this one included. */
  changeOwnPassword: (currentPassword: string, newPassword: string): Promise<void> =>
    call((c) => c.changePassword(currentPassword, newPassword)),
};
