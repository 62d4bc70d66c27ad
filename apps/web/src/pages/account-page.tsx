// The signed-in user's account: who they are, and changing their own password (which ends their
// sessions, this one included, so they sign in again with the new one).

import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { usersApi } from '../api/users';
import { useAuth } from '../auth/auth-context';
import { setCsrfToken } from '../auth/session-state';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { ErrorAlert } from '../components/error-alert';
import { Field } from '../components/field';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';

export function AccountPage() {
  const { session, loading } = useAuth();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (loading) return <Spinner label="Loading" />;
  if (!session?.user) {
    return <PageHeader title="Account" subtitle="Sign in to manage your account." />;
  }
  const mismatch = repeat !== '' && next !== repeat;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== repeat) return;
    setBusy(true);
    setError(null);
    try {
      await usersApi.changeOwnPassword(current, next);
      // The server ended every session of this user; sign in again with the new password.
      setCsrfToken(null);
      navigate('/login?changed=1', { replace: true });
      await client.invalidateQueries();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mx-auto max-w-md space-y-6">
      <PageHeader
        title="Account"
        subtitle={`${session.user.name} · ${session.user.role}${session.user.team ? ` · team ${session.user.team}` : ''}`}
      />
      <Card title="Change password" description="Your sessions end; sign in again with the new password.">
        <form onSubmit={submit} className="space-y-4" aria-label="Change password">
          <Field
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
          <Field
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
          <Field
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            hint={mismatch ? <span className="text-red-700">The two new passwords differ.</span> : undefined}
          />
          <Button type="submit" disabled={busy || mismatch}>
            {busy ? 'Changing…' : 'Change password'}
          </Button>
          {error !== null && <ErrorAlert error={error} title="Could not change the password" />}
        </form>
      </Card>
    </div>
  );
}
