// `modelgarden chat <model> [prompt]`: talk to an LLM through the gateway. With a prompt (or one piped
// on stdin) it answers once; in a terminal, or with --interactive, it is a conversation.

import { text } from 'node:stream/consumers';
import { Command } from 'commander';
import { type ChatSettings, chatRequest, runRepl, terminalHandlers } from '../chat-session.js';
import { streamAnswer } from '../chat-stream.js';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { parseList, parsePositiveInt } from '../parse.js';
import { reportError } from '../report.js';
import { ReportedFailure, UsageError } from '../usage-error.js';

interface ChatFlags {
  system?: string;
  temperature?: number;
  tools?: string[];
  maxSteps?: number;
  collections?: string[];
  passages?: number;
  interactive?: boolean;
}

/** Exit code of an answer stopped with Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

export function chatCommand(): Command {
  return withGlobalOptions(new Command('chat'))
    .description('chat with an LLM (see `modelgarden llm models`): one answer, or a conversation')
    .argument('<model>', 'a model or alias from `modelgarden llm models`, e.g. ollama/llama3.2')
    .argument('[prompt]', 'ask this and print the answer (`-`: read it from stdin)')
    .option('-s, --system <text>', 'system prompt')
    .option('-t, --temperature <t>', 'sampling temperature, 0 to 2', parseTemperature)
    .option(
      '--tools <models>',
      'let the LLM call these registered models (comma-separated, or `all`); the gateway runs them',
      parseList,
    )
    .option(
      '--max-steps <n>',
      'rounds of tool calls the gateway runs (default 5)',
      parsePositiveInt('--max-steps'),
    )
    .option(
      '--collections <names>',
      'answer from these knowledge bases (comma-separated); the passages it cites are listed after it',
      parseList,
    )
    .option(
      '--passages <k>',
      'passages given to the LLM, from all collections (default 4)',
      parsePositiveInt('--passages'),
    )
    .option('-i, --interactive', 'a conversation, one line per turn, even when stdin is not a terminal')
    .addHelpText(
      'after',
      '\nIn a conversation Ctrl-C stops the answer being written (it is kept); /reset forgets, /exit leaves.\n' +
        'Tool calls go to stderr; --json prints the whole completion (one answer only).',
    )
    .action(async (model: string, prompt: string | undefined, flags: ChatFlags, command: Command) => {
      const { client, json } = commandContext(command);
      const settings: ChatSettings = {
        model,
        ...(flags.system === undefined ? {} : { system: flags.system }),
        ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      };
      const modelgarden = modelgardenField(flags);
      if (modelgarden) settings.modelgarden = modelgarden;
      const conversation =
        prompt === undefined && (flags.interactive === true || process.stdin.isTTY === true);
      if (conversation) {
        if (json) throw new UsageError('--json prints one answer: give a prompt');
        const failures = await runRepl({
          client,
          settings,
          terminal: process.stdin.isTTY === true,
          report: reportError,
        });
        if (failures > 0) throw new ReportedFailure();
        return;
      }

      const question = prompt === undefined || prompt === '-' ? (await text(process.stdin)).trim() : prompt;
      if (question === '') throw new UsageError('the prompt is empty');
      const request = chatRequest(settings, [{ role: 'user', content: question }]);
      if (json) return printJson(await client.chatCompletion(request));

      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const handlers = terminalHandlers();
        const answer = await streamAnswer(client, request, handlers, controller.signal);
        process.stdout.write('\n');
        handlers.sources(answer.content);
        if (answer.stopped) throw new ReportedFailure(EXIT_INTERRUPTED);
      } finally {
        process.off('SIGINT', stop);
      }
    });
}

/** The request's `modelgarden` field: models the gateway runs as tools, collections it retrieves from. */
function modelgardenField(flags: ChatFlags): ChatSettings['modelgarden'] {
  if (flags.maxSteps !== undefined && !flags.tools) throw new UsageError('--max-steps needs --tools');
  if (flags.passages !== undefined && !flags.collections)
    throw new UsageError('--passages needs --collections');
  if (flags.tools?.length === 0) throw new UsageError('--tools needs at least one model name, or `all`');
  if (flags.collections?.length === 0) throw new UsageError('--collections needs at least one name');
  const { tools, collections } = flags;
  if (!tools && !collections) return undefined;
  return {
    ...(tools ? { tools: tools.length === 1 && tools[0] === 'all' ? 'all' : tools } : {}),
    ...(flags.maxSteps === undefined ? {} : { max_steps: flags.maxSteps }),
    ...(collections ? { collections } : {}),
    ...(flags.passages === undefined ? {} : { k: flags.passages }),
  };
}

function parseTemperature(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 2) {
    throw new UsageError(`--temperature must be a number from 0 to 2, got '${value}'`);
  }
  return number;
}
