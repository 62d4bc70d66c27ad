// The main navigation's entries, in order. A new page adds one entry here (e.g. `/chat`), with `show`
// when only some sessions should see it.

import type { Session } from '../auth/session-api';

export interface NavItem {
  to: string;
  label: string;
  /** Match the path exactly (the catalog at `/`). */
  end?: boolean;
  /** A link outside the single-page app (full page load). */
  external?: boolean;
  /** Shown only when this says so; always shown without it. */
  show?: (session: Session | undefined) => boolean;
}

const isAdmin = (session: Session | undefined) => session?.scopes.includes('admin') === true;

export const navItems: NavItem[] = [
  { to: '/', label: 'Models', end: true },
  { to: '/upload', label: 'Upload' },
  {
    to: '/chat',
    label: 'Chat',
    show: (session) => session?.scopes.includes('chat') === true || isAdmin(session),
  },
  { to: '/collections', label: 'Knowledge' },
  { to: '/monitoring', label: 'Metrics' },
  { to: '/docs', label: 'API docs', external: true },
  { to: '/audit', label: 'Audit', show: isAdmin },
  { to: '/users', label: 'Users', show: isAdmin },
  { to: '/llm-usage', label: 'LLM usage', show: isAdmin },
  { to: '/admin/llm', label: 'LLM providers', show: isAdmin },
];
