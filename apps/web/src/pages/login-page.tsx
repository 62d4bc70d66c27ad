// Sign in with a user name and password; goes back to the page that needed it.

import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { toApiError } from '../api/api-error';
import { useAuth } from '../auth/auth-context';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';

/** Only same-site paths, so the login page cannot be used to send people elsewhere. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const auth = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.login(name, password);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mx-auto max-w-sm">
      <PageHeader title="Sign in" subtitle="Use your Model Garden user name and password." />
      <Card>
        <form onSubmit={submit} className="space-y-4" aria-label="Sign in">
          <label className="block text-sm font-medium text-slate-700">
            User name
            <input
              name="username"
              autoComplete="username"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"
            />
          </label>
          <label className="block text-sm font-medium text-slate-700">
            Password
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"
            />
          </label>
          {error !== null && <ErrorAlert error={toApiError(error)} />}
          <Button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </Card>
    </div>
  );
}
