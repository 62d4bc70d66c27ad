// `modelgarden rollback <name>`: move an alias back to where it pointed before its latest move.

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { describeRoute } from './split.js';

export function rollbackCommand(): Command {
  return withGlobalOptions(new Command('rollback'))
    .description('move an alias (default: production) back to its previous target, in one call')
    .argument('<name>', 'model name')
    .option('--alias <alias>', 'the alias to roll back', 'production')
    .action(async (name: string, options: { alias: string }, command: Command) => {
      const { client, json } = commandContext(command);
      const info = await client.rollback(name, options.alias);
      if (json) return printJson(info);
      console.log(`${info.model}: ${info.alias} rolled back → ${describeRoute(info)}`);
    });
}
