// `modelgarden archive <name> <version>`: stop serving a version but keep its artifact (or --restore it).

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';

export function archiveCommand(): Command {
  return withGlobalOptions(new Command('archive'))
    .description('archive a version: it stops serving, its artifact stays (refused while an alias uses it)')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', parsePositiveInt('<version>'))
    .option('--restore', 'serve an archived version again')
    .action(async (name: string, version: number, options: { restore?: boolean }, command: Command) => {
      const { client, json } = commandContext(command);
      const result = options.restore
        ? await client.restoreVersion(name, version)
        : await client.archiveVersion(name, version);
      if (json) return printJson(result);
      console.log(`${name}: version ${version} ${result.archived ? 'archived' : 'restored'}`);
    });
}
