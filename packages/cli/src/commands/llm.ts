// `modelgarden llm models`: the LLMs and aliases the gateway offers (those your key may use).

import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';

export function llmCommand(): Command {
  const llm = withGlobalOptions(new Command('llm')).description(
    'the LLM gateway (chat with `modelgarden chat`)',
  );
  llm.addCommand(
    withGlobalOptions(new Command('models'))
      .description('list the LLMs and aliases on offer')
      .action(async (_options, command: Command) => {
        const { client, json } = commandContext(command);
        const models = await client.llmModels();
        if (json) return printJson({ models });
        if (models.length === 0) {
          console.log(
            'No LLMs on offer. Configure a provider on the server: OLLAMA_BASE_URL (local), ' +
              'OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY (docs/llm.md).',
          );
          return;
        }
        const rows = [...models]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((model) => [
            model.id,
            model.owned_by,
            new Date(model.created * 1000).toISOString().slice(0, 10),
          ]);
        console.log(table(['model', 'owned by', 'created'], rows));
      }),
  );
  return llm;
}
