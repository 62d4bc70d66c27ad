// `modelgarden versions <name>`: a model's versions with status, aliases and schema-change flags.

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { formatBytes, printJson, table } from '../output.js';

export function versionsCommand(): Command {
  return withGlobalOptions(new Command('versions'))
    .description("list a model's versions, newest first, with aliases, status and schema changes")
    .argument('<name>', 'model name')
    .action(async (name: string, _options, command: Command) => {
      const { client, json } = commandContext(command);
      const model = await client.getModel(name);
      if (json) return printJson({ versions: model.versions, aliases: model.routes });
      const rows = model.versions.map((v) => [
        String(v.version),
        v.archived ? 'archived' : v.status,
        formatBytes(v.sizeBytes),
        v.sha256.slice(0, 12),
        v.aliases.length === 0 ? '-' : v.aliases.join(', '),
        v.schemaChange ? `inputs differ from v${v.schemaChange.comparedTo.version}` : '-',
        v.createdAt.slice(0, 19).replace('T', ' '),
      ]);
      console.log(table(['version', 'status', 'size', 'sha256', 'aliases', 'schema', 'created'], rows));
      for (const route of model.routes.filter((r) => r.targets.length > 1 || r.shadow)) {
        const split = route.targets.map((t) => `v${t.version}=${t.weight}`).join(' ');
        const shadow = route.shadow ? `, shadow v${route.shadow.version} (${route.shadow.percent}%)` : '';
        console.log(`\n${route.alias}: split ${split}${shadow}`);
      }
    });
}
