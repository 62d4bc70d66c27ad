// The session endpoints: who am I, log in, log out.

import type { SessionInfo } from '@modelgarden/sdk';
import { errorFromResponse, networkError } from '../api/api-error';
import { authHeaders, setCsrfToken } from './session-state';

/** `GET /api/session`: who the browser is signed in as (the SDK's shape). */
export type Session = SessionInfo;

async function call(method: string, body?: unknown): Promise<Session | null> {
  let res: Response;
  try {
    res = await fetch('/api/session', {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...authHeaders(method),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw networkError();
  }
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
  if (res.status === 204) return null;
  const session = JSON.parse(text) as Session;
  setCsrfToken(session.csrfToken);
  return session;
}

export const sessionApi = {
  get: () => call('GET') as Promise<Session>,
  login: (name: string, password: string) => call('POST', { name, password }) as Promise<Session>,
  async logout(): Promise<void> {
    await call('DELETE');
    setCsrfToken(null);
  },
};
