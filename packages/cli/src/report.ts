// Every failure as `error [CODE]: message` on stderr, with a hint where one helps, and its exit code:
// 1 when the command failed, 2 when it was called wrongly.

import { ModelGardenApiError, ModelGardenNetworkError } from '@modelgarden/sdk';
import { CommanderError } from 'commander';
import { visible } from './terminal-text.js';
import { ReportedFailure, UsageError } from './usage-error.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Print `error` on stderr; returns the exit code it stands for. */
export function reportError(error: unknown): number {
  // Commander has already printed its message (run.ts routes it through our format).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof ReportedFailure) return error.exitCode;
  if (error instanceof UsageError) {
    console.error(`error [USAGE]: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof ModelGardenApiError) {
    // The message may quote an upstream's or a document's text: its control characters are shown.
    console.error(`error [${error.code}]: ${visible(error.message)}`);
    if (error.details !== undefined) console.error(`  details: ${JSON.stringify(error.details)}`);
    if (error.status === 401) console.error('  pass --api-key or set MODELGARDEN_API_KEY');
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
