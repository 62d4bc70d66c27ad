// `modelgarden history <name>`: an alias's moves, newest first (when, from, to, by whom).

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';

export function historyCommand(): Command {
  return withGlobalOptions(new Command('history'))
    .description("show an alias's moves (default: production), newest first")
    .argument('<name>', 'model name')
    .option('--alias <alias>', 'the alias', 'production')
    .action(async (name: string, options: { alias: string }, command: Command) => {
      const { client, json } = commandContext(command);
      const history = await client.aliasHistory(name, options.alias);
      if (json) return printJson({ history });
      const rows = history.map((h) => [
        h.at.slice(0, 19).replace('T', ' '),
        h.action,
        h.fromVersion === null ? '-' : String(h.fromVersion),
        h.toVersion === null ? '-' : String(h.toVersion),
        h.actor ?? '-',
      ]);
      console.log(table(['when', 'action', 'from', 'to', 'by'], rows));
    });
}
