// `modelgarden keys …`: list your API keys by prefix, create one (printed once), revoke one.

import type { Scope } from '@modelgarden/sdk';
import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { parseList, parsePositiveInt } from '../parse.js';
import { UsageError } from '../usage-error.js';

// Every scope the server knows, checked by the compiler against the API's type (a new scope fails
// the build here instead of being refused by the CLI).
const SCOPE_SET: Record<Scope, true> = {
  predict: true,
  'models:read': true,
  'models:write': true,
  admin: true,
  chat: true,
  embeddings: true,
};
const SCOPES = Object.keys(SCOPE_SET);

export function keysCommand(): Command {
  const keys = withGlobalOptions(new Command('keys'))
    .description('list your API keys (admins: --user <name> or --all)')
    .option('--user <name>', "another user's keys (admin)")
    .option('--all', "everyone's keys (admin)")
    .action(async (flags: { user?: string; all?: boolean }, command: Command) => {
      const { client, json } = commandContext(command);
      const list = await client.listKeys({
        ...(flags.user ? { user: flags.user } : {}),
        all: flags.all === true,
      });
      if (json) return printJson({ keys: list });
      const rows = list.map((k) => [
        String(k.id),
        k.prefix,
        k.user,
        k.name,
        k.scopes.join(','),
        k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) < Date.now() ? 'expired' : 'active',
        String(k.requestCount),
        k.lastUsedAt ?? '-',
      ]);
      console.log(table(['id', 'prefix', 'user', 'name', 'scopes', 'status', 'requests', 'last used'], rows));
    });

  keys.addCommand(
    withGlobalOptions(new Command('create'))
      .description('create an API key; the key is printed once')
      .argument('<name>', 'a name to tell the key apart')
      .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, parseList)
      .option(
        '--expires-in-days <days>',
        'expire after this many days',
        parsePositiveInt('--expires-in-days'),
      )
      .option('--user <name>', 'create it for another user (admin)')
      .action(
        async (
          name: string,
          flags: { scopes: string[]; expiresInDays?: number; user?: string },
          command: Command,
        ) => {
          const unknown = flags.scopes.filter((s) => !SCOPES.includes(s));
          if (unknown.length > 0 || flags.scopes.length === 0)
            throw new UsageError(
              `--scopes: unknown scope ${unknown.join(', ') || '(none)'}; use ${SCOPES.join(', ')}`,
            );
          const { client, json } = commandContext(command);
          // `keys --user` and `keys create --user` share the name: commander may give it to either.
          const user = flags.user ?? command.optsWithGlobals<{ user?: string }>().user;
          const created = await client.createKey({
            name,
            scopes: flags.scopes as Scope[],
            ...(flags.expiresInDays
              ? { expiresAt: new Date(Date.now() + flags.expiresInDays * 86_400_000).toISOString() }
              : {}),
            ...(user ? { user } : {}),
          });
          if (json) return printJson(created);
          console.log(
            `key ${created.id} (${created.prefix}…) for ${created.user}: ${created.scopes.join(', ')}`,
          );
          console.log(created.key);
          console.error('Store it now: it is not shown again.');
        },
      ),
  );

  keys.addCommand(
    withGlobalOptions(new Command('revoke'))
      .description('revoke an API key by id')
      .argument('<id>', 'key id (see `modelgarden keys`)', parsePositiveInt('<id>'))
      .action(async (id: number, _flags, command: Command) => {
        const { client, json } = commandContext(command);
        const key = await client.revokeKey(id);
        if (json) return printJson(key);
        console.log(`key ${key.id} (${key.prefix}…) revoked`);
      }),
  );
  return keys;
}
