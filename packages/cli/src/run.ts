// Runs the program and turns every failure into `error [CODE]: message` on stderr and an exit code:
// 1 when the command failed, 2 when it was called wrongly.

import { ModelGardenApiError, ModelGardenNetworkError } from '@modelgarden/sdk';
import { type Command, CommanderError } from 'commander';
import { createProgram } from './program.js';
import { UsageError } from './usage-error.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Run `argv` (as `process.argv`: node, script, args…); resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  routeCommanderErrors(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  // Commander has already printed its message through outputError below.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof UsageError) {
    console.error(`error [USAGE]: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof ModelGardenApiError) {
    console.error(`error [${error.code}]: ${error.message}`);
    if (error.details !== undefined) console.error(`  details: ${JSON.stringify(error.details)}`);
    return EXIT_FAILURE;
  }
  if (error instanceof ModelGardenNetworkError) {
    console.error(`error [${error.code}]: ${error.message}`);
    console.error("  is the server running? start one with 'modelgarden serve', or pass --url");
    return EXIT_FAILURE;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error [${typeof code === 'string' ? code : 'INTERNAL'}]: ${message}`);
  return EXIT_FAILURE;
}

// Commander's own errors ("error: missing required argument 'file'") in our format, thrown instead of
// exiting, on every command (addCommand does not pass these settings down).
function routeCommanderErrors(command: Command): void {
  command.exitOverride().configureOutput({
    outputError: (text, write) => write(`error [USAGE]: ${text.replace(/^error: /, '')}`),
  });
  for (const sub of command.commands) routeCommanderErrors(sub);
}
