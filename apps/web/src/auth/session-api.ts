// The session endpoints: who am I, log in, log out (the SDK's calls; the CSRF token is kept for the rest).

import type { SessionInfo } from '@modelgarden/sdk';
import { call } from '../api/client';
import { setCsrfToken } from './session-state';

/** `GET /api/session`: who the browser is signed in as (the SDK's shape). */
export type Session = SessionInfo;

function keep(session: Session): Session {
  setCsrfToken(session.csrfToken);
  return session;
}

export const sessionApi = {
  get: async (): Promise<Session> => keep(await call((c) => c.whoami())),
  login: async (name: string, password: string): Promise<Session> =>
    keep(await call((c) => c.login(name, password))),
  async logout(): Promise<void> {
    await call((c) => c.logout());
    setCsrfToken(null);
  },
};
