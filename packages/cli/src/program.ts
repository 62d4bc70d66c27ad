// The `modelgarden` command tree.

import { createRequire } from 'node:module';
import { Command } from 'commander';
import { archiveCommand } from './commands/archive.js';
import { chatCommand } from './commands/chat.js';
import { collectionsCommand } from './commands/collections.js';
import { deleteCommand } from './commands/delete.js';
import { historyCommand } from './commands/history.js';
import { keysCommand } from './commands/keys.js';
import { llmCommand } from './commands/llm.js';
import { modelsCommand } from './commands/models.js';
import { predictCommand } from './commands/predict.js';
import { promoteCommand } from './commands/promote.js';
import { pushCommand } from './commands/push.js';
import { rollbackCommand } from './commands/rollback.js';
import { serveCommand } from './commands/serve.js';
import { splitCommand } from './commands/split.js';
import { usersCommand } from './commands/users.js';
import { versionsCommand } from './commands/versions.js';
import { withGlobalOptions } from './context.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export function createProgram(): Command {
  const program = withGlobalOptions(new Command('modelgarden'))
    .description('Model Garden: register, serve and call ONNX models; chat with LLMs; search documents')
    .version(version, '-V, --version', 'print the CLI version')
    // Program options only before the command name, so `predict --version 2` is the command's option;
    // the global options are declared on every command as well, so they work after it too.
    .enablePositionalOptions()
    .showSuggestionAfterError();
  for (const command of [
    serveCommand(),
    pushCommand(),
    modelsCommand(),
    versionsCommand(),
    promoteCommand(),
    rollbackCommand(),
    splitCommand(),
    historyCommand(),
    archiveCommand(),
    deleteCommand(),
    predictCommand(),
    usersCommand(),
    keysCommand(),
    llmCommand(),
    chatCommand(),
    collectionsCommand(),
  ]) {
    program.addCommand(command);
  }
  return program;
}
