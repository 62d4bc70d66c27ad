// `modelgarden users …`: list, create, update, disable/enable and reset-password (needs an admin key),
// and `reset-password --data-dir` straight against a stopped server's database for a lost admin password.

import { Command, Option } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { UsageError } from '../usage-error.js';

const ROLES = ['admin', 'member', 'viewer'];

export function usersCommand(): Command {
  const users = withGlobalOptions(new Command('users'))
    .description('manage users (admin key: --api-key or $MODELGARDEN_API_KEY)')
    .action(async (_options, command: Command) => {
      const { client, json } = commandContext(command);
      const list = await client.listUsers();
      if (json) return printJson({ users: list });
      const rows = list.map((u) => [
        u.name,
        u.role,
        u.team ?? '-',
        u.disabled ? 'disabled' : 'active',
        u.createdAt,
      ]);
      console.log(table(['name', 'role', 'team', 'status', 'created'], rows));
    });

  users.addCommand(
    withGlobalOptions(new Command('create'))
      .description('create a user; prints the generated password once unless --password is given')
      .argument('<name>', 'user name')
      .addOption(new Option('--role <role>', 'role').choices(ROLES).default('member'))
      .option('--team <team>', 'team (team-private models are visible to it)')
      .option('--password <password>', 'password (12+ characters); generated when absent')
      .action(
        async (name: string, flags: { role: string; team?: string; password?: string }, command: Command) => {
          const { client, json } = commandContext(command);
          const created = await client.createUser({
            name,
            role: flags.role as 'member',
            ...(flags.team ? { team: flags.team } : {}),
            ...(flags.password ? { password: flags.password } : {}),
          });
          if (json) return printJson(created);
          console.log(`created ${created.user.name} (${created.user.role})`);
          if (created.password) console.log(`password: ${created.password}  (shown once)`);
        },
      ),
  );

  users.addCommand(
    withGlobalOptions(new Command('update'))
      .description("change a user's role or team")
      .argument('<name>', 'user name')
      .addOption(new Option('--role <role>', 'new role').choices(ROLES))
      .option('--team <team>', "new team ('' for none)")
      .action(async (name: string, flags: { role?: string; team?: string }, command: Command) => {
        const { client, json } = commandContext(command);
        if (flags.role === undefined && flags.team === undefined)
          throw new UsageError('give --role or --team');
        const user = await client.updateUser(name, {
          ...(flags.role ? { role: flags.role as 'member' } : {}),
          ...(flags.team !== undefined ? { team: flags.team === '' ? null : flags.team } : {}),
        });
        if (json) return printJson(user);
        console.log(`${user.name}: ${user.role}, team ${user.team ?? '-'}`);
      }),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users.addCommand(
      withGlobalOptions(new Command(verb))
        .description(
          disabled ? 'disable a user (their sessions end and their keys stop working)' : 'enable a user',
        )
        .argument('<name>', 'user name')
        .action(async (name: string, _flags, command: Command) => {
          const { client, json } = commandContext(command);
          const user = await client.updateUser(name, { disabled });
          if (json) return printJson(user);
          console.log(`${user.name} ${disabled ? 'disabled' : 'enabled'}`);
        }),
    );
  }

  users.addCommand(
    withGlobalOptions(new Command('reset-password'))
      .description('set a new password (generated and printed once unless --password is given)')
      .argument('<name>', 'user name')
      .option('--password <password>', 'the new password (12+ characters)')
      .option(
        '--data-dir <dir>',
        'work on the database directly (server stopped; $DATABASE_URL for a PostgreSQL server) instead of the API',
      )
      .action(async (name: string, flags: { password?: string; dataDir?: string }, command: Command) => {
        const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
        let result: { user: { name: string }; password?: string };
        if (flags.dataDir !== undefined) {
          const { resetPasswordInDatabase } = await import('@modelgarden/server');
          result = await resetPasswordInDatabase(
            { dataDir: flags.dataDir, env: process.env },
            name,
            flags.password,
          );
        } else {
          result = await commandContext(command).client.resetPassword(name, flags.password);
        }
        if (json) return printJson(result);
        console.log(`password of ${result.user.name} reset; their sessions ended`);
        if (result.password) console.log(`password: ${result.password}  (shown once)`);
      }),
  );
  return users;
}
