// Who is signed in, for the whole app: the session query, and log in / log out that refresh it.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { type Session, sessionApi } from './session-api';

interface Auth {
  session: Session | undefined;
  loading: boolean;
  login(name: string, password: string): Promise<Session>;
  logout(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({ queryKey: ['session'], queryFn: sessionApi.get, staleTime: 60_000 });
  const value = useMemo<Auth>(
    () => ({
      session: query.data,
      loading: query.isPending,
      async login(name, password) {
        const session = await sessionApi.login(name, password);
        client.setQueryData(['session'], session);
        await client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
        return session;
      },
      async logout() {
        await sessionApi.logout();
        await client.invalidateQueries();
      },
    }),
    [query.data, query.isPending, client],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth() outside <AuthProvider>');
  return auth;
}
