// `modelgarden models` (the catalog) and `modelgarden models show <name>` (one model's versions).

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { formatAliases, formatBytes, printJson, table } from '../output.js';

export function modelsCommand(): Command {
  const models = withGlobalOptions(new Command('models'))
    .description('list the registered models')
    .action(async (_options, command: Command) => {
      const { client, json } = commandContext(command);
      const list = await client.listModels();
      if (json) return printJson({ models: list });
      if (list.length === 0) {
        console.log("No models yet. Push one with 'modelgarden push model.onnx --name <name>'.");
        return;
      }
      const rows = list.map((model) => [
        model.name,
        model.task ?? '-',
        model.latestVersion === null ? '-' : String(model.latestVersion),
        formatAliases(model.aliases),
      ]);
      console.log(table(['name', 'task', 'latest', 'aliases'], rows));
    });

  models.addCommand(
    withGlobalOptions(new Command('show'))
      .description('show a model and its versions, newest first')
      .argument('<name>', 'model name')
      .action(async (name: string, _options, command: Command) => {
        const { client, json } = commandContext(command);
        const model = await client.getModel(name);
        if (json) return printJson(model);
        console.log(`${model.name}${model.description ? ` — ${model.description}` : ''}`);
        console.log(`task: ${model.task ?? '-'}   aliases: ${formatAliases(model.aliases)}\n`);
        const rows = model.versions.map((version) => [
          String(version.version),
          version.status,
          formatBytes(version.sizeBytes),
          version.sha256.slice(0, 12),
          version.aliases.length === 0 ? '-' : version.aliases.join(', '),
          version.createdAt,
        ]);
        console.log(table(['version', 'status', 'size', 'sha256', 'aliases', 'created'], rows));
      }),
  );
  return models;
}
