// User administration for admins: create users, change their role or team, disable them, and reset
// their passwords. A generated password is shown once.

import type { Role, User, UserPatch, UserWithPassword } from '@modelgarden/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { usersApi } from '../api/users';
import { useAuth } from '../auth/auth-context';
import { Button } from '../components/button';
import { Card } from '../components/card';
import { CodeBlock } from '../components/code-block';
import { ErrorAlert } from '../components/error-alert';
import { Field, selectClass } from '../components/field';
import { PageHeader } from '../components/page-header';
import { Spinner } from '../components/spinner';
import { TableHead } from '../components/table-head';
import { formatDate } from '../lib/format';

const ROLES: Role[] = ['admin', 'member', 'viewer'];
const USERS_KEY = ['users'];

/** A password the server generated, shown this once. */
function GeneratedPassword({ result, testId }: { result: UserWithPassword; testId: string }) {
  if (!result.password) return null;
  return (
    <div className="mt-4" data-testid={testId}>
      <p className="mb-2 text-sm text-slate-600">
        Password for <strong>{result.user.name}</strong>: copy it now, it is not shown again.
      </p>
      <CodeBlock code={result.password} label="Password" />
    </div>
  );
}

function NewUserForm() {
  const client = useQueryClient();
  const [draft, setDraft] = useState({ name: '', role: 'member' as Role, team: '', password: '' });
  const create = useMutation<UserWithPassword, ApiError>({
    mutationFn: () =>
      usersApi.create({
        name: draft.name.trim(),
        role: draft.role,
        ...(draft.team.trim() ? { team: draft.team.trim() } : {}),
        ...(draft.password ? { password: draft.password } : {}),
      }),
    onSuccess: () => {
      setDraft({ name: '', role: 'member', team: '', password: '' });
      return client.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Card title="New user">
      <form onSubmit={submit} className="grid items-end gap-3 sm:grid-cols-5" aria-label="New user">
        <Field
          label="User name"
          required
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
        <label className="block text-sm font-medium text-slate-700">
          Role
          <select
            value={draft.role}
            onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}
            className={`${selectClass} w-full`}
          >
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <Field
          label="Team (optional)"
          value={draft.team}
          onChange={(e) => setDraft({ ...draft, team: e.target.value })}
        />
        <Field
          label="Password (optional)"
          type="password"
          autoComplete="new-password"
          hint="Left empty, one is generated."
          value={draft.password}
          onChange={(e) => setDraft({ ...draft, password: e.target.value })}
        />
        <Button type="submit" disabled={create.isPending} className="mb-6">
          Create user
        </Button>
      </form>
      {create.isError && <ErrorAlert error={create.error} title="Could not create the user" />}
      {create.data && <GeneratedPassword result={create.data} testId="created-password" />}
    </Card>
  );
}

function UserRow({
  user,
  self,
  onReset,
}: {
  user: User;
  self: boolean;
  onReset: (r: UserWithPassword) => void;
}) {
  const client = useQueryClient();
  const update = useMutation<User, ApiError, UserPatch>({
    mutationFn: (patch) => usersApi.update(user.name, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: USERS_KEY }),
  });
  const reset = useMutation<UserWithPassword, ApiError>({
    mutationFn: () => usersApi.resetPassword(user.name),
    onSuccess: onReset,
  });
  const error = update.error ?? reset.error;
  return (
    <>
      <tr className="border-t border-slate-100" data-testid="user-row" data-user={user.name}>
        <th scope="row" className="py-2 pr-3 text-left font-medium text-slate-900">
          {user.name}
          {self && <span className="ml-2 text-xs font-normal text-slate-500">(you)</span>}
        </th>
        <td className="pr-3">
          <select
            aria-label={`Role of ${user.name}`}
            value={user.role}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ role: e.target.value as Role })}
            className={selectClass}
          >
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </td>
        <td className="pr-3 text-slate-600">{user.team ?? '—'}</td>
        <td className="pr-3" data-testid="user-status">
          {user.disabled ? <span className="text-amber-700">disabled</span> : 'active'}
        </td>
        <td className="pr-3 whitespace-nowrap text-slate-500">{formatDate(user.createdAt)}</td>
        <td className="py-2 text-right whitespace-nowrap">
          <Button
            variant="ghost"
            disabled={update.isPending}
            onClick={() => update.mutate({ disabled: !user.disabled })}
          >
            {user.disabled ? `Enable ${user.name}` : `Disable ${user.name}`}
          </Button>
          <Button variant="ghost" disabled={reset.isPending} onClick={() => reset.mutate()}>
            Reset password of {user.name}
          </Button>
        </td>
      </tr>
      {error && (
        <tr>
          <td colSpan={6} className="pb-3">
            <ErrorAlert error={error} title={`Could not change ${user.name}`} />
          </td>
        </tr>
      )}
    </>
  );
}

export function UsersPage() {
  const { session } = useAuth();
  const isAdmin = session?.scopes.includes('admin') === true;
  const users = useQuery<User[], ApiError>({ queryKey: USERS_KEY, queryFn: usersApi.list, enabled: isAdmin });
  const [reset, setReset] = useState<UserWithPassword | null>(null);

  if (!session) return <Spinner label="Loading" />;
  if (!isAdmin) {
    return <PageHeader title="Users" subtitle="Only admins manage users. Sign in as an admin." />;
  }
  return (
    <div className="space-y-6">
      <PageHeader
        title="Users"
        subtitle="Who may sign in, with which role. Disabling a user or resetting a password ends their sessions."
      />
      <NewUserForm />
      {users.isPending && isAdmin && <Spinner label="Loading users" />}
      {users.isError && <ErrorAlert error={users.error} title="Could not load the users" />}
      {users.data && (
        <Card title="All users">
          <table className="w-full text-sm" aria-label="Users">
            <TableHead
              inset
              columns={['Name', 'Role', 'Team', 'Status', 'Created', { label: 'Actions', hidden: true }]}
            />
            <tbody>
              {users.data.map((user) => (
                <UserRow
                  key={user.id}
                  user={user}
                  self={user.name === session?.user?.name}
                  onReset={setReset}
                />
              ))}
            </tbody>
          </table>
          {reset && <GeneratedPassword result={reset} testId="reset-password" />}
        </Card>
      )}
    </div>
  );
}
