// Runs the program and turns every failure into `error [CODE]: message` on stderr and an exit code
// (report.ts).

import type { Command } from 'commander';
import { createProgram } from './program.js';
import { reportError } from './report.js';

/** Run `argv` (as `process.argv`: node, script, args…); resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  routeCommanderErrors(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

// Commander's own errors ("error: missing required argument 'file'") in our format, thrown instead of
// exiting, on every command (addCommand does not pass these settings down).
function routeCommanderErrors(command: Command): void {
  command.exitOverride().configureOutput({
    outputError: (text, write) => write(`error [USAGE]: ${text.replace(/^error: /, '')}`),
  });
  for (const sub of command.commands) routeCommanderErrors(sub);
}
