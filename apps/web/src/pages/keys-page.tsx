// Your API keys: create one (shown once, with the scopes your role allows), see use, revoke.

import type { Scope } from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useAuth } from '../auth/auth-context';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { CodeBlock } from '../components/code-block';
import { ErrorAlert } from '../components/error-alert';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';

const ALL_SCOPES: Scope[] = ['predict', 'models:read', 'models:write', 'admin'];

function status(k: { revokedAt: string | null; expiresAt: string | null }): string {
  if (k.revokedAt) return 'revoked';
  return k.expiresAt && Date.parse(k.expiresAt) < Date.now() ? 'expired' : 'active';
}

export function KeysPage() {
  const { session } = useAuth();
  const client = useQueryClient();
  const keys = useQuery({
    queryKey: ['keys'],
    queryFn: api.listKeys,
    enabled: session?.authenticated === true,
  });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['predict']);
  const [days, setDays] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api.createKey({
        name,
        scopes,
        ...(days ? { expiresAt: new Date(Date.now() + Number(days) * 86_400_000).toISOString() } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  const revoke = useMutation({
    mutationFn: api.revokeKey,
    onSuccess: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  const allowed = ALL_SCOPES.filter((s) => session?.scopes.includes(s));

  if (session && !session.authenticated)
    return <PageHeader title="API keys" subtitle="Sign in to create and manage your API keys." />;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <div className="space-y-6">
      <PageHeader title="API keys" subtitle="Send a key as Authorization: Bearer <key>. It is shown once." />
      <Card title="New key">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-4" aria-label="New API key">
          <label className="text-sm font-medium text-slate-700">
            Name
            <input
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              className="mt-1 block rounded-md border border-slate-300 px-3 py-2"
            />
          </label>
          <fieldset className="text-sm text-slate-700">
            <legend className="font-medium">Scopes</legend>
            <div className="mt-1 flex gap-3">
              {allowed.map((scope) => (
                <label key={scope} className="flex items-center gap-1">
                  <input
                    type="checkbox"
                    checked={scopes.includes(scope)}
                    onChange={(e) =>
                      setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
                    }
                  />
                  {scope}
                </label>
              ))}
            </div>
          </fieldset>
          <label className="text-sm font-medium text-slate-700">
            Expires in days (optional)
            <input
              inputMode="numeric"
              pattern="[0-9]*"
              value={days}
              onChange={(e) => setDays(e.target.value)}
              className="mt-1 block w-28 rounded-md border border-slate-300 px-3 py-2"
            />
          </label>
          <Button type="submit" disabled={create.isPending || scopes.length === 0}>
            Create key
          </Button>
        </form>
        {create.error && (
          <div className="mt-4">
            <ErrorAlert error={create.error} title="Could not create the key" />
          </div>
        )}
        {create.data && (
          <div className="mt-4" data-testid="new-key">
            <p className="mb-2 text-sm text-slate-600">Copy it now: it is not shown again.</p>
            <CodeBlock code={create.data.key} label="API key" />
          </div>
        )}
      </Card>
      {keys.isPending && session?.authenticated && <Spinner label="Loading" />}
      {keys.error && <ErrorAlert error={keys.error} title="Could not load your keys" />}
      {keys.data && (
        <Card title="Your keys">
          <table className="w-full text-left text-sm" data-testid="keys-table">
            <thead className="text-slate-500">
              <tr>
                <th className="py-2">Prefix</th>
                <th>Name</th>
                <th>Scopes</th>
                <th>Status</th>
                <th>Requests</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} className="border-t border-slate-100" data-testid="key-row">
                  <td className="py-1.5 font-mono text-xs">{k.prefix}…</td>
                  <td>{k.name}</td>
                  <td className="font-mono text-xs">{k.scopes.join(', ')}</td>
                  <td>{status(k)}</td>
                  <td>{k.requestCount}</td>
                  <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : '–'}</td>
                  <td>
                    {status(k) === 'active' && (
                      <Button variant="ghost" onClick={() => revoke.mutate(k.id)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
