// `modelgarden delete <name> <version>`: delete a version (refused while an alias uses it).

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';

export function deleteCommand(): Command {
  return withGlobalOptions(new Command('delete'))
    .description('delete a version; its artifact goes when no other version shares it')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', parsePositiveInt('<version>'))
    .action(async (name: string, version: number, _options, command: Command) => {
      const { client, json } = commandContext(command);
      const result = await client.deleteVersion(name, version);
      if (json) return printJson(result);
      const artifact = result.artifactRemoved
        ? 'artifact removed'
        : 'artifact kept (shared with another version)';
      console.log(`${name}: version ${version} deleted, ${artifact}`);
    });
}
