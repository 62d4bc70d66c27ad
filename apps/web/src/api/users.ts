// User administration (admins) and changing one's own password.

import type { NewUser, User, UserPatch, UserWithPassword } from '@modelgarden/sdk';
import { json, request } from './client';

const userPath = (name: string) => `/api/users/${encodeURIComponent(name)}`;

export const usersApi = {
  async list(): Promise<User[]> {
    return (await request<{ users: User[] }>('/api/users')).users;
  },

  /** Without a password the server generates one and returns it this once. */
  create(input: NewUser): Promise<UserWithPassword> {
    return request('/api/users', { method: 'POST', ...json(input) });
  },

  /** Role, team or disabled; 409 LAST_ADMIN when it would leave no admin. */
  update(name: string, patch: UserPatch): Promise<User> {
    return request(userPath(name), { method: 'PATCH', ...json(patch) });
  },

  /** Without a password the server generates one and returns it this once; the user's sessions end. */
  resetPassword(name: string, password?: string): Promise<UserWithPassword> {
    return request(`${userPath(name)}/password`, {
      method: 'POST',
      ...json(password ? { password } : {}),
    });
  },

  /** Changes the signed-in user's password; every session of theirs ends, this one included. */
  async changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
    await request<undefined>('/api/session/password', {
      method: 'POST',
      ...json({ currentPassword, newPassword }),
    });
  },
};
