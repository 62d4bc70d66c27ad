// The session's CSRF token and what to do on a 401: kept outside React so every fetch can use them.

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The session's CSRF token, which the SDK client sends on every state-changing request. */
export function currentCsrfToken(): string | null {
  return csrfToken;
}

/** Headers a request needs: the CSRF token on state-changing ones (the upload's XMLHttpRequest). */
export function authHeaders(method = 'GET'): Record<string, string> {
  return method !== 'GET' && method !== 'HEAD' && csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

/** The login page's URL, coming back to where the user was. */
export function loginUrl(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return `/login?next=${encodeURIComponent(here)}`;
}

/** Sends the browser to the login page after a 401 (not from the login page itself). */
export function onUnauthenticated(status: number): void {
  if (status === 401 && window.location.pathname !== '/login') window.location.assign(loginUrl());
}
