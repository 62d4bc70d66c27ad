// `modelgarden promote <name> <version>`: move an alias (production by default); also how to roll back.

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';

export function promoteCommand(): Command {
  return withGlobalOptions(new Command('promote'))
    .description('point an alias (default: production) at a version (`rollback` undoes the latest move)')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', parsePositiveInt('<version>'))
    .option('--alias <alias>', 'the alias to move', 'production')
    .option('--force', 'move even if the version takes different inputs than the current one')
    .action(
      async (
        name: string,
        version: number,
        options: { alias: string; force?: boolean },
        command: Command,
      ) => {
        const { client, json } = commandContext(command);
        const assignment = await client.setAlias(
          name,
          options.alias,
          version,
          options.force ? { force: true } : {},
        );
        if (json) return printJson(assignment);
        console.log(`${assignment.model}: ${assignment.alias} → version ${assignment.version}`);
      },
    );
}
